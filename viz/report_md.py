"""A campaign review as Markdown: the text version for chat, wikis and e-mail (tables, no charts).

>>> from viz.review import Table
>>> markdown_table(Table(("Channel", "ROAS"), (("Tmall | 天猫", "1.62"),)))
'| Channel | ROAS |\\n| --- | ---: |\\n| Tmall \\\\| 天猫 | 1.62 |'
"""

from __future__ import annotations

from viz.review import Review, Section, Table


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def markdown_table(table: Table) -> str:
    """A pipe table; every column after the first is a number, so it is right-aligned."""
    head = "| " + " | ".join(_cell(c) for c in table.columns) + " |"
    rule = "| " + " | ".join("---" if i == 0 else "---:" for i in range(len(table.columns))) + " |"
    body = ["| " + " | ".join(_cell(c) for c in row) + " |" for row in table.rows]
    return "\n".join([head, rule, *body])


def _section(section: Section) -> str:
    parts = [f"## {section.title}", *section.paragraphs]
    if section.bullets:
        parts.append("\n".join(f"- {b}" for b in section.bullets))
    if section.table is not None:
        parts.append(markdown_table(section.table))
    return "\n\n".join(parts)


def review_markdown(review: Review) -> str:
    """Title, subtitle, notes on missing data, then every section in order."""
    head = [f"# {review.title}", f"_{review.subtitle}_"]
    if review.notes:
        head.append("\n".join(f"> {n}" for n in review.notes))
    body = [_section(s) for s in review.sections]
    return "\n\n".join([*head, *body, f"---\n\n_{review.generated}_"]) + "\n"
