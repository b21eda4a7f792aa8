"""A campaign review as one self-contained HTML file: plotly.js inlined once, every text escaped, no network.

>>> from viz.review import Table
>>> html_table(Table(("Channel",), (("<b>Tmall</b>",),)))
'<table><thead><tr><th>Channel</th></tr></thead><tbody><tr><td>&lt;b&gt;Tmall&lt;/b&gt;</td></tr></tbody></table>'
"""

from __future__ import annotations

import html

import plotly.io as pio
from plotly.offline import get_plotlyjs

from viz.review import Review, Section, Table

_CSS = """body{font-family:"Noto Sans CJK SC","Microsoft YaHei","PingFang SC",-apple-system,"Segoe UI",sans-serif;
margin:0;background:#f8fafc;color:#0f172a;line-height:1.55}main{max-width:1040px;margin:0 auto;padding:28px 24px}
header h1{font-size:26px;margin:0 0 4px}.sub,.meta{color:#64748b;font-size:14px;margin:0}
.notes{background:#fef3c7;border-left:4px solid #f59e0b;padding:10px 14px;margin:16px 0;border-radius:4px}
.notes p{margin:2px 0}section{background:#fff;border:1px solid #e2e8f0;border-radius:10px;padding:16px 20px;
margin:16px 0}section h2{font-size:18px;margin:0 0 8px}table{border-collapse:collapse;width:100%;font-size:13px;
margin-top:10px}th,td{padding:5px 8px;border-bottom:1px solid #e2e8f0;text-align:right;white-space:nowrap}
th:first-child,td:first-child{text-align:left}th{background:#f1f5f9;font-weight:600}.table{overflow-x:auto}
#recommendations{border:2px solid #2563eb}#recommendations li{margin:6px 0}#worked li::marker{color:#16a34a}
#did_not li::marker{color:#dc2626}footer{color:#94a3b8;font-size:12px;margin:24px 0}"""


def html_table(table: Table) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in table.columns)
    rows = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in table.rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def _section(section: Section) -> str:
    parts = [f"<h2>{html.escape(section.title)}</h2>"]
    parts += [f"<p>{html.escape(p)}</p>" for p in section.paragraphs]
    if section.bullets:
        parts.append("<ul>" + "".join(f"<li>{html.escape(b)}</li>" for b in section.bullets) + "</ul>")
    if section.figure is not None:
        parts.append(pio.to_html(section.figure, include_plotlyjs=False, full_html=False,
                                 div_id=f"chart-{section.key}", config={"displaylogo": False, "responsive": True}))
    if section.table is not None:
        parts.append(f'<div class="table">{html_table(section.table)}</div>')
    return f'<section id="{html.escape(section.key)}">{"".join(parts)}</section>'


def review_html(review: Review) -> str:
    """The whole review; plotly.js is included only when there is a chart to draw."""
    charts = any(s.figure is not None for s in review.sections)
    script = f"<script>{get_plotlyjs()}</script>" if charts else ""
    notes = "".join(f"<p>{html.escape(n)}</p>" for n in review.notes)
    return (f'<!DOCTYPE html><html lang="{"zh-CN" if review.lang == "zh" else "en"}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{html.escape(review.title)}</title><style>{_CSS}</style>{script}</head><body><main>"
            f"<header><h1>{html.escape(review.title)}</h1><p class=\"sub\">{html.escape(review.subtitle)}</p></header>"
            + (f'<div class="notes">{notes}</div>' if notes else "")
            + "".join(_section(s) for s in review.sections)
            + f"<footer>{html.escape(review.generated)}</footer></main></body></html>")
