"""The campaign review (复盘): its figures against hand-written SQL, its words in both languages, its three formats,
its archive, and clear words for campaigns without data."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import shutil
import sqlite3
from pathlib import Path

import duckdb
import polars as pl
import pypdfium2 as pdfium
import pytest

from errors import InputError, UnknownNameError
from ml.campaigns import daily_trend
from ml.review_findings import budget_shift, funnel_fix, retarget_new, worked_and_not
from semantic.engine import DuckDBEngine
from semantic.model import SemanticModel
from viz.figures import trend_figure
from viz.format import format_value
from viz.report import generate_review, render_review
from viz.report_html import review_html
from viz.review import Review, build_review
from workspace.home import Workspace
from workspace.reports import archive_report, list_reports

CMP = "CMP027"  # 618 Mid-Year Sale 2025, Tmall, 2025-05-25 – 2025-06-20; the 2024 edition is CMP007
AS_OF = dt.date(2025, 12, 31)
NOW = dt.datetime(2026, 1, 5, 9, 30, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def reviews(model: SemanticModel, engine: DuckDBEngine) -> dict[str, Review]:
    return {lang: build_review(model, engine, CMP, lang, now=NOW) for lang in ("en", "zh")}


@pytest.fixture(scope="module")
def rendered(reviews: dict[str, Review]) -> dict[tuple[str, str], bytes]:
    formats = ("md", "html", "pdf")
    return {(lang, fmt): render_review(review, fmt) for lang, review in reviews.items() for fmt in formats}


def one(con: duckdb.DuckDBPyConnection, sql: str) -> float:
    return float(con.sql(sql).fetchall()[0][0])


def money(value: float, lang: str) -> str:
    return format_value(value, "currency", lang)


def test_summary_against_sql(reviews: dict[str, Review], rendered: dict[tuple[str, str], bytes],
                             con: duckdb.DuckDBPyConnection) -> None:
    spend = one(con, f"SELECT SUM(spend) FROM ad_spend WHERE campaign_id = '{CMP}' AND date <= DATE '{AS_OF}'")
    revenue = one(con, f"SELECT SUM(net_amount) FROM orders WHERE campaign_id = '{CMP}' AND status = 'completed' "
                       f"AND order_date <= DATE '{AS_OF}'")
    last_year = one(con, "SELECT SUM(net_amount) FROM orders WHERE campaign_id = 'CMP007' AND status = 'completed'")
    figures = {r["metric"]: r for r in reviews["en"].section("summary").data.iter_rows(named=True)}
    assert figures["spend"]["value"] == pytest.approx(spend)
    assert figures["spend"]["target"] == 1_430_000
    assert figures["campaign_revenue"]["value"] == pytest.approx(revenue)
    assert figures["campaign_revenue"]["comparable"] == pytest.approx(last_year)
    assert figures["roas"]["value"] == pytest.approx(revenue / spend)
    en, zh = rendered[("en", "md")].decode(), rendered[("zh", "md")].decode()
    assert f"spent {money(spend, 'en')} of its ¥1.43M budget" in en and "¥1.26M" in en
    assert f"花费{money(spend, 'zh')}（预算¥143万的" in zh and "¥204.82万" in zh
    assert "Against 618 Mid-Year Sale 2024 (the same festival last year): campaign revenue +15.6%" in en
    assert f"ROAS {revenue / spend:.2f}" in en and f"投产比{revenue / spend:.2f}" in zh


def test_funnel_against_sql(reviews: dict[str, Review], rendered: dict[tuple[str, str], bytes],
                            con: duckdb.DuckDBPyConnection) -> None:
    counts = dict(con.sql(f"SELECT event_type, COUNT(DISTINCT customer_id) FROM campaign_events "
                          f"WHERE campaign_id = '{CMP}' GROUP BY 1").fetchall())
    steps = reviews["en"].section("funnel").data
    assert dict(zip(steps["event_type"], steps["customers"], strict=True)) == counts
    en, zh = rendered[("en", "md")].decode(), rendered[("zh", "md")].decode()
    assert f"Of {counts['reach']:,} customers reached, {counts['purchase']:,} made a purchase" in en
    assert f"| Add to cart | {counts['add_to_cart']:,} |" in en and f"| 加购 | {counts['add_to_cart']:,} |" in zh


def test_segments_against_sql(reviews: dict[str, Review], con: duckdb.DuckDBPyConnection) -> None:
    rows = con.sql(f"""
        SELECT c.member_tier,
          COUNT(DISTINCT e.customer_id) FILTER (WHERE e.event_type = 'reach') AS reached,
          COUNT(DISTINCT e.customer_id) FILTER (WHERE e.event_type = 'purchase')
            / COUNT(DISTINCT e.customer_id) FILTER (WHERE e.event_type = 'reach') AS conversion
        FROM campaign_events e JOIN customers c USING (customer_id) WHERE e.campaign_id = '{CMP}' GROUP BY 1
    """).fetchall()
    revenue = dict(con.sql(f"SELECT c.member_tier, SUM(o.net_amount) FROM orders o JOIN customers c USING "
                           f"(customer_id) WHERE o.campaign_id = '{CMP}' AND o.status = 'completed' "
                           "GROUP BY 1").fetchall())
    data = {r["member_tier"]: r for r in reviews["en"].section("segments_member_tier").data.iter_rows(named=True)}
    for tier, reached, conversion in rows:
        assert data[tier]["reached"] == reached and data[tier]["conversion_rate"] == pytest.approx(conversion)
        assert data[tier]["campaign_revenue"] == pytest.approx(float(revenue[tier]))
    best, worst = max(rows, key=lambda r: r[2]), min(rows, key=lambda r: r[2])
    worked, did_not = reviews["en"].section("worked").bullets, reviews["en"].section("did_not").bullets
    assert worked[0].startswith(f"Conversion of {best[0]} (member tier): {format_value(best[2], 'percent')} against")
    assert did_not[0].startswith(f"Conversion of {worst[0]} (member tier)")
    assert reviews["zh"].section("did_not").bullets[0].startswith("会员等级铜卡的转化率")


BUYERS_SQL = f"""
WITH f AS (SELECT customer_id, MIN(order_date) AS day FROM orders
           WHERE campaign_id = '{CMP}' AND status = 'completed' GROUP BY 1),
k AS (SELECT f.*, NOT EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = f.customer_id AND o.status = 'completed'
                              AND o.order_date < f.day) AS is_new,
             EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = f.customer_id AND o.status = 'completed'
                     AND o.order_date > f.day AND o.order_date <= f.day + 90) AS again
      FROM f)
SELECT COUNT(*) FILTER (WHERE is_new), COUNT(*) FILTER (WHERE NOT is_new),
       COUNT(*) FILTER (WHERE is_new AND NOT again), COUNT(*) FILTER (WHERE is_new AND again)
FROM k
"""


def test_buyers_and_the_retargeting_recommendation(reviews: dict[str, Review], con: duckdb.DuckDBPyConnection) -> None:
    new, returning, waiting, again = con.sql(BUYERS_SQL).fetchall()[0]
    review = reviews["en"]
    assert review.section("buyers").paragraphs[0] == (f"The campaign brought {new} new buyers "
                                                      f"({format_value(new / (new + returning), 'percent')}) and "
                                                      f"{returning:,} returning buyers.")
    advice = next(r for r in review.recommendations if r.kind == "retarget_new")
    assert advice.numbers["new_buyers"] == new and advice.numbers["waiting"] == waiting
    assert advice.numbers["days"] == 90 and advice.numbers["repeat_rate"] == pytest.approx(again / new)
    text = review.section("recommendations").bullets
    assert any(f"{waiting} of the {new} new buyers did not buy again within 90 days" in b for b in text)


def test_channels_and_budget_shift_follow_the_numbers(reviews: dict[str, Review],
                                                      con: duckdb.DuckDBPyConnection) -> None:
    period = "BETWEEN DATE '2025-05-25' AND DATE '2025-06-20'"
    spend = dict(con.sql(f"SELECT channel, SUM(spend) FROM ad_spend WHERE date {period} GROUP BY 1 "
                         "HAVING SUM(spend) > 0").fetchall())
    revenue = dict(con.sql(f"SELECT channel, SUM(net_amount) FROM orders WHERE status = 'completed' AND campaign_id "
                           f"IS NOT NULL AND order_date {period} GROUP BY 1").fetchall())
    roas = {c: float(revenue[c]) / s for c, s in spend.items()}
    data = {r["channel"]: r for r in reviews["en"].section("channels").data.iter_rows(named=True)}
    assert set(data) == set(spend) == {"Tmall", "JD"}
    assert all(data[c]["roas"] == pytest.approx(roas[c]) for c in spend)
    kinds = [r.kind for r in reviews["en"].recommendations]
    # Tmall and JD earned within 10 % of each other, so moving budget between them is not recommended.
    assert max(roas.values()) < 1.1 * min(roas.values()) and "budget_shift" not in kinds


def test_budget_shift_states_its_numbers(model: SemanticModel) -> None:
    from viz.review_words import Words, recommendation_text

    channels = pl.DataFrame({"channel": ["Douyin", "JD", "Tmall"], "spend": [200_000.0, 100_000.0, 0.0],
                             "roas": [1.2, 3.0, None]})
    advice = budget_shift(channels)
    assert advice is not None and advice.numbers == {"from": "Douyin", "from_roas": 1.2, "to": "JD", "to_roas": 3.0,
                                                     "amount": 20_000.0, "gain": pytest.approx(36_000.0)}
    assert recommendation_text(advice, Words(model, "en")).startswith(
        "Shift budget from Douyin (ROAS 1.20) to JD (ROAS 3.00): moving ¥20K, a tenth of Douyin's spend, would "
        "bring about ¥36K more")
    assert "转移¥2万（抖音花费的十分之一）约可多带来¥3.6万" in recommendation_text(advice, Words(model, "zh"))
    assert budget_shift(channels.with_columns(roas=pl.Series([1.2, 1.25, None]))) is None


def test_funnel_fix_picks_the_step_furthest_below_comparables() -> None:
    from ml.campaign_breakdowns import funnel_steps

    def steps(*counts: int) -> pl.DataFrame:
        names = ["reach", "click", "visit", "add_to_cart", "purchase"]
        return funnel_steps(pl.DataFrame({"event_type": names, "customers": list(counts)}))

    mine, peers = steps(1000, 800, 600, 300, 200), steps(1000, 700, 500, 400, 250)
    advice = funnel_fix(mine, peers)
    assert advice is not None and advice.numbers["step"] == "add_to_cart" and advice.numbers["lost"] == 300
    assert advice.numbers["conversion"] == 0.5 and advice.numbers["peer_conversion"] == 0.8
    own = funnel_fix(mine, None)  # no comparables: the step that loses the largest share
    assert own is not None and own.numbers["step"] == "add_to_cart" and own.numbers["peer_conversion"] is None
    assert funnel_fix(steps(0, 0, 0, 0, 0), peers) is None


def test_retarget_and_worked_handle_empty_input() -> None:
    buyers = pl.DataFrame({"buyer_type": ["new", "returning"], "buyers": [0, 0], "share": [None, None]})
    assert retarget_new(buyers, pl.DataFrame()) is None
    assert worked_and_not([]) == ([], [])


def test_recommendations_in_words(reviews: dict[str, Review], con: duckdb.DuckDBPyConnection) -> None:
    fix = next(r for r in reviews["en"].recommendations if r.kind == "funnel_fix")
    steps = reviews["en"].section("funnel").data
    row = steps.filter(steps["event_type"] == fix.numbers["step"]).row(0, named=True)
    before = steps["customers"][row["step"] - 2]
    assert fix.numbers["lost"] == before - row["customers"]
    text = reviews["en"].section("recommendations").bullets
    assert any(f"{fix.numbers['lost']:,} customers were lost there" in b for b in text)
    assert len(reviews["zh"].section("recommendations").bullets) == len(reviews["en"].recommendations) >= 2
    assert reviews["zh"].section("recommendations").bullets[0].startswith("优化从")


def test_anomalies_are_the_campaigns_own_days(reviews: dict[str, Review]) -> None:
    found = reviews["en"].section("anomalies").data
    assert found.height > 0 and set(found["key"]) == {"618 Mid-Year Sale"} and set(found["level"]) == {"campaign"}
    assert found["day"].min() >= dt.date(2025, 5, 25) and found["day"].max() <= dt.date(2025, 6, 20)
    assert "618 Mid-Year Sale on " in reviews["en"].section("anomalies").bullets[0]


def test_html_is_self_contained(rendered: dict[tuple[str, str], bytes], reviews: dict[str, Review]) -> None:
    for lang in ("en", "zh"):
        page = rendered[(lang, "html")].decode()
        assert page.count("* plotly.js v") == 1 and page.count("<script>/**\n* plotly.js") == 1  # inlined once
        assert page.count("<script") == 6  # plotly.js, then one small script per chart
        assert "<script src" not in page and "<link" not in page and 'src="http' not in page
        assert page.count('class="plotly-graph-div"') == 5  # trend, funnel, two segments, channels
    assert "¥2.05M" in rendered[("en", "html")].decode() and "¥204.82万" in rendered[("zh", "html")].decode()
    tricky = dataclasses.replace(reviews["en"], title="<img src=x onerror=alert(1)>")
    assert "&lt;img src=x onerror=alert(1)&gt;" in review_html(tricky) and "<img" not in review_html(tricky)


def test_the_trend_chart_is_drawn_as_on_the_campaign_page(reviews: dict[str, Review], model: SemanticModel,
                                                           engine: DuckDBEngine) -> None:
    """Revenue solid blue and spend dotted grey in the export, as on the page; the x axis reads Date / 日期."""
    frame = daily_trend(model, engine, CMP)
    for lang, axis in (("en", "Date"), ("zh", "日期")):
        labels = {c: model.metrics[c].label(lang) for c in ("campaign_revenue", "spend")}
        page = trend_figure(frame, "day", labels, "currency", lang, "day")
        export = reviews[lang].section("trend").figure
        assert [(tr.name, tr.line.color, tr.line.dash) for tr in export.data] == \
            [(tr.name, tr.line.color, tr.line.dash) for tr in page.data] == \
            [(labels["campaign_revenue"], "#2563eb", "solid"), (labels["spend"], "#94a3b8", "dot")]
        assert export.data[0].y[:5] == pytest.approx(frame["campaign_revenue"].to_list()[:5])
        assert export.layout.xaxis.title.text == axis


def test_pdf_pages_show_ink_and_the_campaign(rendered: dict[tuple[str, str], bytes]) -> None:
    for lang, title in (("en", "Campaign review: 618 Mid-Year Sale 2025"), ("zh", "活动复盘：2025 618 年中大促")):
        doc = pdfium.PdfDocument(io.BytesIO(rendered[(lang, "pdf")]))
        assert len(doc) >= 2
        text = "".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
        assert title in text and ("¥1.26M" in text if lang == "en" else "¥126.3万" in text)
        image = doc[0].render(scale=1).to_pil().convert("L")
        dark = sum(image.histogram()[:200])
        assert dark > 0.02 * image.width * image.height  # text, a table and a chart, not a blank page


def test_unknown_campaign_language_and_format(model: SemanticModel, engine: DuckDBEngine, tmp_path: Path) -> None:
    with pytest.raises(UnknownNameError, match="Did you mean 'CMP027'"):
        build_review(model, engine, "CMP0277", "en")
    with pytest.raises(InputError, match="Unknown language 'fr'"):
        build_review(model, engine, CMP, "fr")
    ws = Workspace(tmp_path)
    with pytest.raises(InputError, match=r"Unknown report format 'docx'\. Use one of: html, pdf, md\."):
        generate_review(ws, model, engine, CMP, "docx", "en")
    assert list_reports(ws) == []


@pytest.fixture(scope="module")
def sparse(warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> DuckDBEngine:
    """The demo warehouse plus a planned campaign and a running one without spend, events or orders."""
    path = tmp_path_factory.mktemp("sparse") / "warehouse.duckdb"
    shutil.copy(warehouse, path)
    with duckdb.connect(str(path)) as con:
        con.execute("INSERT INTO campaigns VALUES ('CMP041', 'Spring Festival Gala 2026', 'Festival', 'Douyin', "
                    "DATE '2026-01-20', DATE '2026-02-05', 300000), ('CMP042', 'Year-End Flash Sale 2025', "
                    "'Promotion', 'JD', DATE '2025-12-20', DATE '2025-12-31', 0)")
    return DuckDBEngine(path)


def test_planned_campaign_says_there_is_nothing_yet(model: SemanticModel, sparse: DuckDBEngine) -> None:
    for lang, words in (("en", "Spring Festival Gala 2026 starts on Jan 20, 2026; there is nothing to review yet."),
                        ("zh", "Spring Festival Gala 2026将于2026年1月20日开始，目前还没有可复盘的内容。")):
        review = build_review(model, sparse, "CMP041", lang)
        assert review.keys == ("summary",) and review.section("summary").paragraphs == (words,)
        assert words in render_review(review, "md").decode() and words in render_review(review, "html").decode()
        assert len(pdfium.PdfDocument(io.BytesIO(render_review(review, "pdf")))) == 1


def test_campaign_without_spend_events_or_orders_gets_words(model: SemanticModel, sparse: DuckDBEngine) -> None:
    review = build_review(model, sparse, "CMP042", "en")
    assert review.notes == ("Year-End Flash Sale 2025 has no ad spend yet, so ROAS, ROI and CPC cannot be computed.",
                            "Year-End Flash Sale 2025 has no campaign events yet, so there is no funnel to show.",
                            "Year-End Flash Sale 2025 has no completed orders yet.")
    assert review.section("funnel").paragraphs == ("No campaign events are recorded for this campaign, so there is "
                                                   "no funnel to show.",)
    assert review.section("buyers").paragraphs[0].startswith("There are no completed orders from this campaign yet")
    assert review.section("summary").paragraphs[0].startswith("Year-End Flash Sale 2025 spent ¥0 without a budget set")
    assert review.recommendations == ()  # nothing was spent, so nothing to move, fix or retarget
    text = render_review(review, "md").decode()
    assert "nan" not in text.lower().replace("financ", "") and "inf%" not in text
    assert "and 5 more (earlier campaigns of the same type)" in text
    zh = build_review(model, sparse, "CMP042", "zh")
    assert zh.section("trend").paragraphs == ("活动期间还没有记录到广告花费或活动销售额。",)
    assert len(render_review(zh, "pdf")) > 1000


def test_archive_records_and_searches(model: SemanticModel, engine: DuckDBEngine, tmp_path: Path) -> None:
    ws = Workspace(tmp_path)
    path, content = generate_review(ws, model, engine, CMP, "md", "zh")
    assert path.parent == ws.reports and path.read_bytes() == content and path.suffix == ".md"
    archive_report(ws, b"%PDF-", "CMP035", "en", "pdf", dt.date(2025, 11, 30), "Campaign review: Double 11 2025")
    found = list_reports(ws)
    assert [(r.campaign_id, r.lang, r.format) for r in found] in (
        [("CMP035", "en", "pdf"), ("CMP027", "zh", "md")], [("CMP027", "zh", "md"), ("CMP035", "en", "pdf")])
    record = next(r for r in found if r.campaign_id == CMP)
    assert record.as_of == AS_OF and record.title == "活动复盘：2025 618 年中大促" and record.path == path
    assert [r.campaign_id for r in list_reports(ws, "618")] == [CMP]
    assert [r.campaign_id for r in list_reports(ws, "double 11")] == ["CMP035"]
    assert [r.campaign_id for r in list_reports(ws, "2025-11-30")] == ["CMP035"]
    assert list_reports(ws, "Qixi") == []


def test_a_failed_archive_keeps_nothing(tmp_path: Path) -> None:
    ws = Workspace(tmp_path)
    ws.meta.mkdir(parents=True)  # the metadata file cannot be opened, so the report cannot be recorded
    with pytest.raises(sqlite3.OperationalError):
        archive_report(ws, b"# Review", CMP, "en", "md", AS_OF, "Campaign review")
    assert list(ws.reports.iterdir()) == []


def test_a_review_as_of_a_past_day_counts_nothing_later(model: SemanticModel, engine: DuckDBEngine,
                                                        con: duckdb.DuckDBPyConnection) -> None:
    review = build_review(model, engine, CMP, "en", dt.date(2025, 6, 10))
    reach, bought = con.sql(f"SELECT COUNT(DISTINCT customer_id) FILTER (WHERE event_type = 'reach'), "
                            f"COUNT(DISTINCT customer_id) FILTER (WHERE event_type = 'purchase') FROM campaign_events "
                            f"WHERE campaign_id = '{CMP}' AND event_time < TIMESTAMP '2025-06-11'").fetchall()[0]
    steps = review.section("funnel").data
    assert steps["customers"][0] == reach and steps["customers"][-1] == bought
    conversion = review.section("summary").data.filter(pl.col("metric") == "conversion_rate")["value"][0]
    assert conversion == pytest.approx(bought / reach)  # the summary and the funnel agree
    assert review.section("trend").data["day"].max() == dt.date(2025, 6, 10)
    assert "The campaign is still running: 62.96% of its days have passed" in review.section("summary").paragraphs[2]


def test_reviews_name_the_campaign_and_its_comparables_in_the_readers_language(
        rendered: dict[tuple[str, str], bytes], con: duckdb.DuckDBPyConnection) -> None:
    """The Chinese review says 2025 618 年中大促 and its comparable 2024 618 年中大促 in every format; the English
    one keeps the names in the data."""
    peer = con.sql("SELECT campaign_id FROM campaigns WHERE campaign_name = '618 Mid-Year Sale 2024'").fetchall()
    assert peer == [("CMP007",)]
    for fmt in ("md", "html"):
        zh, en = rendered[("zh", fmt)].decode(), rendered[("en", fmt)].decode()
        assert "活动复盘：2025 618 年中大促" in zh and "对比2024 618 年中大促（" in zh and "Mid-Year" not in zh
        assert "Campaign review: 618 Mid-Year Sale 2025" in en and "618 Mid-Year Sale 2024" in en
