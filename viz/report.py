"""A campaign review as a file: built, rendered in the chosen format, and archived in the workspace.

`generate_review` is what the Campaigns page's "Generate review" button and
`beacon report campaign` call; it returns the archived file's path and bytes.

>>> FORMATS
('html', 'pdf', 'md')
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from errors import InputError
from semantic.engine import Engine
from semantic.model import SemanticModel
from viz.i18n import t
from viz.report_html import review_html
from viz.report_md import review_markdown
from viz.report_pdf import review_pdf
from viz.review import Review, build_review, check_lang
from workspace.home import Workspace
from workspace.reports import archive_report

FORMATS = ("html", "pdf", "md")


def check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise InputError(t("review.errors.format", "en", format=fmt, formats=", ".join(FORMATS)))


def render_review(review: Review, fmt: str) -> bytes:
    """The review as Markdown, self-contained HTML or PDF bytes."""
    check_format(fmt)
    if fmt == "md":
        return review_markdown(review).encode("utf-8")
    if fmt == "html":
        return review_html(review).encode("utf-8")
    return review_pdf(review)


def generate_review(ws: Workspace, model: SemanticModel, engine: Engine, campaign_id: str, fmt: str = "html",
                    lang: str = "en", as_of: dt.date | None = None) -> tuple[Path, bytes]:
    """Build, render and archive one campaign's review; returns (archived path, bytes)."""
    check_format(fmt)
    check_lang(lang)
    review = build_review(model, engine, campaign_id, lang, as_of, home=ws.home)
    content = render_review(review, fmt)
    record = archive_report(ws, content, review.campaign_id, lang, fmt, review.as_of, review.title)
    return record.path, content
