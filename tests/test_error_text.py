"""Errors a user meets read in their language: `error_text(err, "zh")` is Chinese, `str(err)` the same English
as before (logs, the CLI and older tests read it), and words inside the message (roles, actions, file kinds)
are translated too, never left in English inside a Chinese sentence."""

from __future__ import annotations

import argparse
import ast
import datetime as dt
import re
import shutil
import string
import zipfile
from pathlib import Path

import duckdb
import openpyxl
import polars as pl
import psycopg
import pytest
from streamlit.testing.v1 import AppTest

from commands.common import open_model
from errors import (
    BeaconError,
    DashboardConflictError,
    ExecutionError,
    IngestError,
    InputError,
    ModelError,
    PermissionDeniedError,
    QueryError,
    QueryTimeoutError,
    ShareLinkError,
    SignInError,
    SourceConnectionError,
    UnknownNameError,
)
from ingest.files import open_sources
from ingest.sniff import sniff_file
from ml.governed import check_table, check_write_back, governed
from semantic.compile import CompiledSQL, compile_query
from semantic.engine import DuckDBEngine
from semantic.model import SemanticModel
from semantic.policy_sql import govern_sql
from semantic.postgres_engine import PostgresEngine
from semantic.query import Filter, Policy, SemanticQuery
from tests.postgres import postgres_url  # noqa: F401
from tests.test_model import GOOD as SHOP  # a small valid model file
from viz.i18n import error_text, keyed_error, translations
from workspace.dashboard_access import require_edit, share_with, viewable
from workspace.dashboards import DashboardStore
from workspace.home import Workspace
from workspace.settings import Settings
from workspace.share_links import link_message
from workspace.users import add_user, authenticate, get_user, require, session_user, set_disabled

ROOT = Path(__file__).resolve().parent.parent
EAST = Policy("ana", (Filter("region", "=", "East"),))
PASSWORD = "a long password"
LATIN_WORD = re.compile(r"\b(viewer|editor|admin|metric|dimension|table|image|archive|document)\b")


def both(err: BeaconError) -> tuple[str, str]:
    return str(err), error_text(err, "zh")


# --- the mechanism ---------------------------------------------------------------------------------


def test_an_error_without_a_key_reads_as_its_message_in_any_language() -> None:
    err = InputError("A plain message.")
    assert error_text(err, "zh") == error_text(err, "en") == "A plain message."
    assert error_text(ValueError("not ours"), "zh") == "not ours"
    unknown = InputError("Still English.").with_text("errors.no_such_key", x=1)
    assert error_text(unknown, "zh") == "Still English."  # a key nobody wrote: the English, never the key


def test_keyed_error_builds_the_english_message_and_keeps_the_key() -> None:
    err = keyed_error(QueryTimeoutError, "errors.query.timeout", seconds="2.5")
    assert isinstance(err, QueryTimeoutError) and isinstance(err, TimeoutError)
    assert str(err) == "The query took longer than 2.5 s and was stopped. Narrow the period or add filters."
    assert error_text(err, "en") == str(err)
    assert error_text(err, "zh") == "查询耗时超过 2.5 秒，已被停止。请缩短时间范围或添加筛选条件。"
    assert err.text_key == "errors.query.timeout" and dict(err.text_values) == {"seconds": "2.5"}


def test_values_may_be_named_like_the_parameters() -> None:
    """A placeholder called {lang} or {key} fills like any other (it once collided with t()'s own lang)."""
    err = keyed_error(ModelError, "errors.model.language", lang="fr", choices="en, zh")
    assert str(err) == "unknown language 'fr'; use one of en, zh."
    assert error_text(err, "zh") == "未知的语言“fr”；请使用以下之一：en, zh。"


def test_unknown_names_key_themselves_with_their_kind_and_suggestions() -> None:
    err = UnknownNameError("metric", "revnue", ["revenue", "revenu", "orders"])
    assert str(err) == error_text(err, "en") == "Unknown metric 'revnue'. Did you mean 'revenue' or 'revenu'?"
    assert error_text(err, "zh") == "未知的指标“revnue”。你是不是要找“revenue”或“revenu”？"
    sort = UnknownNameError("column to sort by", "zzz", [])
    assert str(sort) == "Unknown column to sort by 'zzz'." and error_text(sort, "zh") == "未知的排序列“zzz”。"
    odd = UnknownNameError("column of 'orders'", "amt", ["amount"])  # a kind nobody translated: all English
    assert error_text(odd, "zh") == str(odd) == "Unknown column of 'orders' 'amt'. Did you mean 'amount'?"


def _keyed_calls() -> list[tuple[str, str]]:
    """(file, key) of every keyed_error call with a literal key (and literal `x_key` values), and of every literal
    UnknownNameError kind (errors.kind.<kind>, or errors.kind.<kind>_of when it names what the name belongs to)."""
    found = []
    for path in ROOT.glob("**/*.py"):
        if ".venv" in path.parts or "tests" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
                continue
            args = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            if node.func.id == "keyed_error" and args:
                found.append((str(path.relative_to(ROOT)), args[0]))
                found += [(str(path.relative_to(ROOT)), word) for k in node.keywords if k.arg and k.arg.endswith("_key")
                          for word in _literal_keys(k.value)]
            elif node.func.id == "UnknownNameError" and node.args and isinstance(node.args[0], ast.Constant):
                of = "_of" if any(k.arg == "of" for k in node.keywords) else ""
                found.append((str(path.relative_to(ROOT)), f"errors.kind.{node.args[0].value.replace(' ', '_')}{of}"))
    return found


def _literal_keys(node: ast.expr) -> list[str]:
    """The text keys a `x_key=` value names literally: "errors.a", or either side of `"errors.a" if c else ""`."""
    if isinstance(node, ast.IfExp):
        return _literal_keys(node.body) + _literal_keys(node.orelse)
    return [node.value] if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value else []


def test_every_key_an_error_is_raised_with_is_written_in_both_languages() -> None:
    calls = _keyed_calls()
    assert len(calls) > 80, "the scan found too few raise sites; is it still reading the sources?"
    missing = sorted({(f, k) for f, k in calls if k not in translations("en") or k not in translations("zh")})
    assert not missing


def test_chinese_error_texts_fill_the_same_placeholders_as_the_english() -> None:
    def fields(text: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}

    en, zh = translations("en"), translations("zh")
    keys = [k for k in en if k.startswith("errors.")]
    assert len(keys) > 100
    assert {k: fields(zh[k]) for k in keys if fields(zh[k]) != fields(en[k])} == {}
    assert not [k for k in keys if not k.startswith("errors.join.") and zh[k] == en[k] and LATIN_WORD.search(en[k])]


# --- policies: compile, raw SQL, analyses, the CLI -------------------------------------------------


def test_a_regional_refusal_reads_in_chinese(model: SemanticModel) -> None:
    with pytest.raises(PermissionDeniedError) as caught:
        compile_query(SemanticQuery(metrics=("spend",)), model, EAST)
    english, chinese = both(caught.value)
    assert english == ("Your data policy limits 'region', which metric 'spend' (table 'ad_spend') is not linked "
                       "to, so it cannot be shown to you.")
    assert chinese == "你的数据策略限定了“region”，而指标“spend”（表“ad_spend”）与它没有关联，因此无法向你展示。"


def test_hidden_and_masked_columns_are_refused_in_chinese(model: SemanticModel) -> None:
    hidden = Policy("ana", hidden=("age",))
    with pytest.raises(PermissionDeniedError) as caught:
        compile_query(SemanticQuery(metrics=("revenue",), dimensions=("age_band",)), model, hidden)
    assert both(caught.value) == (
        "'age_band' reads 'age', which your data policy hides: it cannot be shown, filtered or sorted by.",
        "“age_band”读取了被你的数据策略隐藏的列“age”：不能展示、筛选或排序。")
    with pytest.raises(PermissionDeniedError) as caught:
        compile_query(SemanticQuery(metrics=("revenue",), dimensions=("age",)), model, hidden)
    assert both(caught.value) == (
        "'age' is hidden by your data policy: it cannot be shown, filtered or sorted by.",
        "“age”已被你的数据策略隐藏：不能展示、筛选或排序。")
    with pytest.raises(PermissionDeniedError) as caught:
        compile_query(SemanticQuery(metrics=("revenue",)), model, Policy("ana", (Filter("planet", "=", "Mars"),)))
    assert "“planet”" in error_text(caught.value, "zh") and "模型“demo”" in error_text(caught.value, "zh")


def test_raw_sql_under_a_policy_is_refused_in_chinese(model: SemanticModel) -> None:
    with pytest.raises(PermissionDeniedError) as caught:
        govern_sql("SELECT * FROM ad_spend", model, EAST)
    assert both(caught.value) == (
        "Your data policy limits 'region', which table 'ad_spend' is not linked to, so this SQL cannot read it "
        "for you.", "你的数据策略限定了“region”，而表“ad_spend”与它没有关联，因此这段 SQL 无法为你读取。")
    with pytest.raises(PermissionDeniedError) as caught:
        govern_sql("WITH orders AS (SELECT 1) SELECT * FROM orders", model, EAST)
    assert error_text(caught.value, "zh") == "在数据策略下，CTE 不能与表“orders”同名；请重命名该 CTE。"


def test_analyses_and_the_cli_refuse_in_chinese(model: SemanticModel, engine: DuckDBEngine) -> None:
    east = governed(engine, model, EAST)
    with pytest.raises(PermissionDeniedError) as caught:
        check_table(east, model, "somewhere_else")
    assert error_text(caught.value, "zh").startswith("你的数据策略作用于模型中的表；“somewhere_else”不在其中")
    with pytest.raises(PermissionDeniedError, match=r"^Churn scores computed under a data policy") as caught:
        check_write_back(east, "Churn scores")
    assert error_text(caught.value, "zh").startswith("在数据策略下计算的流失评分只覆盖部分客户")
    args = argparse.Namespace(user="ana", command="segment", model=ROOT / "assets" / "demo_model.yaml")
    with pytest.raises(PermissionDeniedError, match=r"^`beacon segment` cannot run under --user yet") as caught:
        open_model(args)
    assert error_text(caught.value, "zh").startswith("`beacon segment` 暂不支持 --user 运行")


# --- users, sign-in, dashboards and links ----------------------------------------------------------


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    workspace = Workspace(tmp_path)
    add_user(workspace, "boss", "admin", PASSWORD)
    add_user(workspace, "ana", "viewer", PASSWORD)
    add_user(workspace, "ed", "editor", PASSWORD)
    return workspace


def test_a_role_refusal_translates_the_role_and_the_action_too(ws: Workspace) -> None:
    with pytest.raises(PermissionDeniedError) as caught:
        require(get_user(ws, "ana"), "load_data")
    english, chinese = both(caught.value)
    assert english == "User 'ana' (viewer) may not load data; that needs the editor role. Ask an admin."
    assert chinese == "用户“ana”（查看者）无权导入数据；这需要编辑者角色。请联系管理员。"
    assert not LATIN_WORD.search(chinese)
    set_disabled(ws, "ana", by="boss")
    with pytest.raises(PermissionDeniedError) as caught:
        require(get_user(ws, "ana"), "ask")
    assert both(caught.value) == ("The account 'ana' is disabled.", "账户“ana”已停用。")


def test_sign_in_refusals_read_in_chinese(ws: Workspace) -> None:
    with pytest.raises(SignInError) as caught:
        authenticate(ws, "ana", "not her password")
    assert both(caught.value) == ("Wrong user name or password.", "用户名或密码错误。")
    now = dt.datetime.now(dt.UTC)
    token = authenticate(ws, "ed", PASSWORD, now=now).token
    with pytest.raises(SignInError) as caught:
        session_user(ws, token, now=now + dt.timedelta(days=30))
    assert both(caught.value) == ("Your session has expired; sign in again.", "登录已过期，请重新登录。")
    set_disabled(ws, "ed", by="boss")
    with pytest.raises(SignInError) as caught:
        authenticate(ws, "ed", PASSWORD)
    assert both(caught.value) == ("The account 'ed' is disabled; ask an admin.", "账户“ed”已停用，请联系管理员。")


def test_dashboard_refusals_read_in_chinese(ws: Workspace) -> None:
    board = DashboardStore(ws).create("Board", "ed")
    with pytest.raises(PermissionDeniedError) as caught:
        viewable(ws, get_user(ws, "ana"), board.id)
    assert both(caught.value) == (
        f"The dashboard '{board.id}' is not shared with ana; ask its owner or an admin to share it.",
        f"看板“{board.id}”没有分享给 ana；请让看板所有者或管理员分享给你。")
    share_with(ws, board.id, by=get_user(ws, "ed"), user="ana")
    with pytest.raises(PermissionDeniedError) as caught:
        require_edit(get_user(ws, "ana"), viewable(ws, get_user(ws, "ana"), board.id))
    assert error_text(caught.value, "zh").endswith("ana（查看者）只能查看。")
    with pytest.raises(InputError) as caught:
        share_with(ws, board.id, by=get_user(ws, "ed"), user="ed")
    assert both(caught.value) == (f"ed owns the dashboard '{board.id}' already.",
                                  f"ed 已经是看板“{board.id}”的所有者。")


def test_a_save_conflict_reads_in_chinese(ws: Workspace) -> None:
    store = DashboardStore(ws)
    board = store.create("Board", "ed")
    store.save(board, base_version=1)
    with pytest.raises(DashboardConflictError) as caught:
        store.save(board, base_version=1)
    assert both(caught.value) == (
        "Dashboard 'Board' was saved by someone else (version 2) after you opened version 1. Merge your changes "
        "or save them as a copy.",
        "看板“Board”在你打开版本 1 之后被其他人保存了（版本 2）。请合并你的修改，或另存为副本。")
    assert caught.value.theirs.version == 2 and caught.value.mine == board


def test_share_link_problems_read_in_chinese(ws: Workspace) -> None:
    store = DashboardStore(ws)
    board = store.create("Board", "ed")
    beijing = dt.timezone(dt.timedelta(hours=8))  # the expiry is shown in UTC whatever zone it was set in
    token = store.create_link(board.id, expires_at=dt.datetime(2026, 3, 8, 17, 0, tzinfo=beijing))
    with pytest.raises(ShareLinkError) as caught:
        store.resolve_link(token, now=dt.datetime(2026, 4, 1, tzinfo=dt.UTC))
    assert both(caught.value) == (
        "This share link expired on 2026-03-08 09:00 UTC. Ask the dashboard's owner for a new one.",
        "该分享链接已于2026-03-08 09:00 UTC过期。请向看板所有者索取新链接。")
    assert link_message(caught.value, "zh") == error_text(caught.value, "zh")
    with pytest.raises(ShareLinkError) as caught:
        store.resolve_link("made-up")
    assert caught.value.reason == "unknown"
    assert error_text(caught.value, "zh") == "该分享链接无效。请向看板所有者索取新链接。"


# --- queries: Explore's common mistakes and time-outs -----------------------------------------------


def test_explore_query_errors_read_in_chinese(model: SemanticModel) -> None:
    with pytest.raises(QueryError) as caught:
        compile_query(SemanticQuery(metrics=("spend",), dimensions=("region",)), model)
    english, chinese = both(caught.value)
    assert english.startswith("Dimension 'region' cannot be used with metric 'spend': it is not linked to the "
                              "'ad_spend' table. Dimensions that work with it: channel, ")
    assert chinese.startswith("维度“region”不能与指标“spend”一起使用：它与表“ad_spend”没有关联。"
                              "可以一起使用的维度：channel, ")
    with pytest.raises(QueryError) as caught:
        compile_query(SemanticQuery(metrics=("revenue",), dimensions=("orders",)), model)
    assert error_text(caught.value, "zh").startswith("“orders”是指标；请按维度筛选和分组（channel, ")
    with pytest.raises(UnknownNameError) as caught:
        compile_query(SemanticQuery(metrics=("revnue",)), model)
    assert error_text(caught.value, "zh").startswith("未知的指标“revnue”。你是不是要找“revenue”")


def test_a_time_out_reads_in_chinese(tmp_path: Path) -> None:
    duckdb.connect(str(tmp_path / "w.duckdb")).close()
    engine = DuckDBEngine(tmp_path / "w.duckdb", timeout_s=0.2)
    with pytest.raises(QueryTimeoutError) as caught:
        engine.run(CompiledSQL("SELECT COUNT(*) FROM range(1000000000000) a", (), "duckdb"))
    assert both(caught.value) == (
        "The query took longer than 0.2 s and was stopped. Narrow the period or add filters.",
        "查询耗时超过 0.2 秒，已被停止。请缩短时间范围或添加筛选条件。")


def test_a_postgres_time_out_reads_in_chinese(postgres_url: str) -> None:  # noqa: F811
    slow = PostgresEngine(postgres_url, timeout_s=0.3)
    with pytest.raises(QueryTimeoutError) as caught:
        slow.run(CompiledSQL("SELECT pg_sleep(5)", ("pg_sleep",), "postgres"))
    slow.close()
    assert both(caught.value) == (
        "The query took longer than 0.3 s and PostgreSQL stopped it. Narrow the period or add filters.",
        "查询耗时超过 0.3 秒，已被 PostgreSQL 停止。请缩短时间范围或添加筛选条件。")
    assert isinstance(caught.value.__cause__, psycopg.errors.QueryCanceled)


# --- files the Data page refuses -------------------------------------------------------------------


def refusal(path: Path) -> tuple[str, str]:
    with pytest.raises(IngestError) as caught:
        sniff_file(path)
    return both(caught.value)


def test_unreadable_uploads_are_explained_in_chinese(tmp_path: Path) -> None:
    (tmp_path / "empty.csv").write_bytes(b"")
    assert refusal(tmp_path / "empty.csv") == ("empty.csv is empty (0 bytes).", "empty.csv 是空文件（0 字节）。")
    (tmp_path / "photo.csv").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(40))
    english, chinese = refusal(tmp_path / "photo.csv")
    assert english == ("photo.csv is not a table file: it looks like a PNG image. Upload a CSV, TSV, TXT, Excel "
                       "(.xlsx, .xls), JSON, NDJSON or Parquet file.")
    assert chinese == ("photo.csv 不是表格文件：它看起来是PNG 图片。请上传 CSV、TSV、TXT、Excel（.xlsx、.xls）、"
                       "JSON、NDJSON 或 Parquet 文件。")
    with zipfile.ZipFile(tmp_path / "sales.zip", "w") as archive:
        archive.writestr("sales.csv", "a,b\n1,2\n")
    assert refusal(tmp_path / "sales.zip")[1] == "sales.zip 是 zip 压缩包。请解压后上传其中的表格文件。"
    (tmp_path / "page.csv").write_text("<html><body>orders</body></html>")
    assert refusal(tmp_path / "page.csv")[1].startswith("page.csv 是网页或 XML 文档，不是表格文件。")
    (tmp_path / "one.json").write_text('{\n  "a": 1,\n  "b": [1, 2]\n}\n')
    assert refusal(tmp_path / "one.json")[1].startswith("one.json 只包含一个 JSON 对象，而不是记录列表。")
    assert refusal(tmp_path / "nowhere.csv")[1] == f"nowhere.csv 不存在（查找位置：{tmp_path}）。"


def test_a_damaged_parquet_file_and_a_missing_sheet_read_in_chinese(tmp_path: Path) -> None:
    (tmp_path / "cut.parquet").write_bytes(b"PAR1" + bytes(100))
    with duckdb.connect() as con, pytest.raises(IngestError) as caught:
        open_sources(con, tmp_path / "cut.parquet")
    assert str(caught.value).startswith("cut.parquet is a damaged or incomplete Parquet file and cannot be read (")
    assert error_text(caught.value, "zh").startswith("cut.parquet 是损坏或不完整的 Parquet 文件，无法读取（")
    book = openpyxl.Workbook()
    book.active.title = "Notes"
    book.active.append(["a", "b"])
    book.active.append([1, 2])
    book.save(tmp_path / "report.xlsx")
    with duckdb.connect() as con, pytest.raises(IngestError) as caught:
        open_sources(con, tmp_path / "report.xlsx", sheets=["notes"])
    assert both(caught.value) == ("report.xlsx has no sheet 'notes'. Did you mean 'Notes'?",
                                  "report.xlsx 中没有工作表 'notes'。你是不是要找 'Notes'？")


# --- a Chinese page shows the Chinese refusal --------------------------------------------------------


@pytest.fixture
def regional_app(tmp_path: Path, warehouse: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    """The app signed in as ana (viewer, region = 'East'), in Chinese, on a workspace that is not an open demo."""
    from workspace.policies import add_rule

    shutil.copy(warehouse, tmp_path / "warehouse.duckdb")
    ws = Workspace(tmp_path)
    add_user(ws, "ana", "viewer", PASSWORD)
    add_rule(ws, user="ana", filter="region = 'East'")
    Settings(tmp_path).set("open_demo", False)
    monkeypatch.setenv("BEACON_HOME", str(tmp_path))
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    app.session_state["auth_token"] = authenticate(ws, "ana", PASSWORD).token
    app.query_params["lang"] = "zh"
    return app


def test_a_chinese_explore_page_shows_the_policy_refusal_in_chinese(regional_app: AppTest) -> None:
    app = regional_app
    app.query_params["q"] = '{"metrics": ["spend"]}'
    app.run()
    app.switch_page("app_pages/explore.py").run()
    assert not app.exception, app.exception
    assert [e.value for e in app.error] == [
        "出错了：你的数据策略限定了“region”，而指标“spend”（表“ad_spend”）与它没有关联，因此无法向你展示。"]
    assert not app.get("plotly_chart")


# --- the mechanism: wrapped errors and optional parts -------------------------------------------------


def test_a_wrapped_error_and_an_optional_hint_read_in_one_language() -> None:
    inner = keyed_error(InputError, "errors.recipe.no_column", name="Qyt", hint_key="errors.did_you_mean",
                        suggestions_or=("Qty",))
    outer = keyed_error(IngestError, "errors.recipe.step", n=2, op_key="errors.recipe.op.rename", problem=inner)
    assert both(outer) == ("Step 2 (rename): there is no column 'Qyt'. Did you mean 'Qty'?",
                           "第 2 步（重命名列）：没有列“Qyt”。你是不是要找“Qty”？")
    bare = keyed_error(InputError, "errors.recipe.no_column", name="Qyt", hint_key="", suggestions_or=())
    assert both(bare) == ("there is no column 'Qyt'.", "没有列“Qyt”。")
    plain = keyed_error(IngestError, "errors.recipe.step", n=1, op_key="errors.recipe.op.trim",
                        problem=ValueError("not ours"))
    assert both(plain) == ("Step 1 (trim): not ours", "第 1 步（去除首尾空格）：not ours")


def test_an_unknown_name_of_a_table_reads_in_chinese() -> None:
    err = UnknownNameError("column", "amt", ["amount"], of="orders")
    assert both(err) == ("Unknown column of 'orders' 'amt'. Did you mean 'amount'?",
                         "未知的“orders”表中的列“amt”。你是不是要找“amount”？")
    assert err.kind == "column of 'orders'"


# --- the Data page: cleaning steps, formulas, identity -------------------------------------------------


def recipe_refusal(steps: list[object], types: dict[str, str] | None = None) -> tuple[str, str]:
    from ingest.recipe import check_recipe

    with pytest.raises(IngestError) as caught:
        check_recipe(["Qty", "金额", "客户", "城市"], steps, types or {"金额": "BIGINT", "客户": "VARCHAR"})  # type: ignore[arg-type]
    return both(caught.value)


def test_cleaning_steps_are_refused_in_chinese() -> None:
    from ingest.recipe import Derive, Fill, Filter, Rename, Split, Trim, step_from_dict

    assert recipe_refusal([Rename("Qyt", "数量")]) == (
        "Step 1 (rename): there is no column 'Qyt'. Did you mean 'Qty'?",
        "第 1 步（重命名列）：没有列“Qyt”。你是不是要找“Qty”？")
    assert recipe_refusal([Trim("金额")]) == (
        "Step 1 (trim): '金额' holds number values, not text; cast it to text first.",
        "第 1 步（去除首尾空格）：“金额”中的值是数值，不是文本；请先把它转换为文本。")
    assert recipe_refusal([Rename("Qty", "q"), Fill("客户", "mean")]) == (
        "Step 2 (fill): '客户' holds text values; a mean needs numbers.",
        "第 2 步（填充缺失值）：“客户”中的值是文本；计算平均值需要数值。")
    assert recipe_refusal([Filter("金额", ">", "很多")]) == (
        "Step 1 (filter): the filter on '金额' needs a number, got '很多'.",
        "第 1 步（按条件保留行）：“金额”上的筛选条件需要一个数字，实际是 '很多'。")
    assert recipe_refusal([Split("城市", "-", ("省",))])[1] == "第 1 步（拆分列）：拆分“城市”至少需要两个新列名。"
    with pytest.raises(IngestError) as caught:
        step_from_dict({"op": "renam", "column": "a", "to": "b"})
    assert both(caught.value) == (
        "Unknown cleaning step 'renam'. Did you mean 'rename'? Steps: rename, cast, trim, case, fill, "
        "drop_duplicates, filter, split, merge, map_values, derive.",
        "未知的清洗步骤 'renam'。你是不是要找“rename”？可用的步骤：rename, cast, trim, case, fill, "
        "drop_duplicates, filter, split, merge, map_values, derive。")
    with pytest.raises(IngestError) as caught:
        step_from_dict({"op": "rename", "column": "a"})
    assert both(caught.value) == ("The rename step needs to.", "“重命名列”步骤缺少 to。")
    assert not LATIN_WORD.search(recipe_refusal([Derive("x", "金额 * 数量")])[1])


def test_formulas_are_refused_in_chinese() -> None:
    from ingest.recipe import Derive

    english, chinese = recipe_refusal([Derive("x", "sum(金额)")])
    assert english == ("Step 1 (derive): sum combines many rows; a derived column is computed row by row. Use "
                       "columns, numbers, text, + - * /, comparisons, CASE, COALESCE and functions such as lower, "
                       "round, year or date_trunc.")
    assert chinese.startswith("第 1 步（新增计算列）：sum 会把多行汇总成一个值；计算列是逐行计算的。可以使用列、数字")
    assert recipe_refusal([Derive("x", "金额 * 数量")]) == (
        "Step 1 (derive): the formula uses '数量', which is not a column.",
        "第 1 步（新增计算列）：公式用到了“数量”，但它不是列。")
    assert recipe_refusal([Derive("x", "count(*) OVER ()")])[1].startswith(
        "第 1 步（新增计算列）：公式中不允许使用窗口函数（OVER）。")
    assert recipe_refusal([Derive("x", "read_csv('x')")])[1].startswith(
        "第 1 步（新增计算列）：公式中不允许使用函数 read_csv。")
    assert recipe_refusal([Derive("x", " ")]) == ("Step 1 (derive): the formula is empty.",
                                                  "第 1 步（新增计算列）：公式是空的。")


def test_identity_refusals_read_in_chinese() -> None:
    from ingest.identity import KeyColumn, resolve_identities

    with duckdb.connect() as con:
        con.execute("CREATE TABLE crm (phone VARCHAR, 姓名 VARCHAR)")
        with pytest.raises(IngestError) as caught:
            resolve_identities(con, [KeyColumn("crm", "phones", "phone")])
        assert both(caught.value) == ("There is no column 'phones' in table 'crm'. Did you mean 'phone'?",
                                      "表“crm”中没有列“phones”。你是不是要找“phone”？")
        with pytest.raises(IngestError) as caught:
            resolve_identities(con, [KeyColumn("order", "phone", "phone", "order_id")])
        assert error_text(caught.value, "zh").startswith("数据仓库中没有表“order”。")
        with pytest.raises(IngestError) as caught:
            resolve_identities(con, [KeyColumn("crm", "phone", "emial")])
        assert both(caught.value)[1].startswith("未知的键类型 'emial'。你是不是要找“email”？可用的类型：")


# --- the Data page: databases and REST sources ---------------------------------------------------------


def test_database_addresses_and_tables_are_refused_in_chinese(tmp_path: Path) -> None:
    import sqlite3

    from errors import SourceConnectionError
    from ingest.databases import parse_uri, read_table

    with pytest.raises(InputError) as caught:
        parse_uri("oracle://ana@db/sales")
    english, chinese = both(caught.value)
    assert english.endswith("and SQLite (sqlite:///path/to/file.db) databases; 'oracle' is not one of them.")
    assert chinese.endswith("和 SQLite（sqlite:///path/to/file.db）数据库；“oracle”不在其中。")
    with pytest.raises(InputError) as caught:
        parse_uri("mysql://ana@db:99999/shop")
    assert both(caught.value) == ("The port in the MySQL URI is not a number between 1 and 65535.",
                                  "MySQL 地址中的端口不是 1 到 65535 之间的数字。")
    with sqlite3.connect(tmp_path / "shop.db") as con:
        con.execute("CREATE TABLE orders (id INTEGER)")
    with pytest.raises(IngestError) as caught:
        read_table(f"sqlite:///{tmp_path}/shop.db", "ordres")
    assert both(caught.value) == (f"No table 'ordres' in sqlite:///{tmp_path}/shop.db. Did you mean 'orders'?",
                                  f"sqlite:///{tmp_path}/shop.db 中没有表“ordres”。你是不是要找“orders”？")
    with pytest.raises(IngestError) as caught:
        read_table(f"sqlite:///{tmp_path}/shop.db", "zzz")
    assert error_text(caught.value, "zh").endswith("中没有表“zzz”。其中有 1 张表，例如“orders”。")
    with pytest.raises(SourceConnectionError) as caught:
        read_table(f"sqlite:///{tmp_path}/gone.db", "orders")
    assert both(caught.value) == (f"Cannot connect to the SQLite database {tmp_path}/gone.db: the file does not exist.",
                                  f"无法连接到 SQLite 数据库 {tmp_path}/gone.db：the file does not exist.")


def test_rest_answers_are_explained_in_chinese() -> None:
    from ingest.rest import RestSpec, check_spec, page_records, parse_json

    spec = RestSpec("https://api.example.com/leads", records_path="data.itemz")
    body = {"data": {"items": [{"id": 1}]}, "meta": {"n": 1}}
    with pytest.raises(IngestError) as caught:
        page_records(body, spec, 1)
    assert both(caught.value) == (
        "'data.itemz' not found in the answer from https://api.example.com/leads; 'data' has keys: items. "
        "Did you mean 'data.items'? Lists of records are at: data.items.",
        "在 https://api.example.com/leads 的响应中找不到“data.itemz”；“data”中的键有：items。"
        "你是不是要找“data.items”？记录列表位于：data.items。")
    with pytest.raises(IngestError) as caught:
        page_records(body, RestSpec("https://api.example.com/leads"), 1)
    assert both(caught.value) == (
        "The body in the answer from https://api.example.com/leads is an object, not a list of records. "
        "Lists of records are at: data.items.",
        "https://api.example.com/leads 的响应中，响应正文是对象，而不是记录列表。记录列表位于：data.items。")
    with pytest.raises(IngestError) as caught:
        parse_json(b"<html>", "utf-8", "https://api.example.com/leads", spec)
    assert error_text(caught.value, "zh") == ("https://api.example.com/leads 返回的内容不是 JSON（第 1 行第 1 列："
                                              "Expecting value）；开头是：'<html>'")
    with pytest.raises(IngestError) as caught:
        check_spec(RestSpec("ftp://example.com/x.json"))
    assert both(caught.value) == ("Only http:// and https:// addresses can be read; got 'ftp://example.com/x.json'.",
                                  "只能读取 http:// 和 https:// 地址；收到的是“ftp://example.com/x.json”。")


# --- the Admin, Settings and Dashboards pages: users, rules, connections, tiles, alerts ---------------


def test_admin_refusals_read_in_chinese(ws: Workspace) -> None:
    from workspace.policies import add_rule

    with pytest.raises(InputError) as caught:
        add_user(ws, "ana", "viewer", PASSWORD)
    assert both(caught.value) == ("A user named 'ana' already exists.", "名为“ana”的用户已经存在。")
    with pytest.raises(InputError) as caught:
        add_user(ws, "bo", "viewer", "short")
    assert both(caught.value) == ("A password needs at least 8 characters.", "密码至少需要 8 个字符。")
    with pytest.raises(InputError) as caught:
        add_user(ws, "王 五", "viewer", PASSWORD)
    assert error_text(caught.value, "zh").startswith("不能用 '王 五' 作为用户名：只能使用字母、数字和 . _ @ -")
    with pytest.raises(InputError) as caught:
        add_rule(ws, user="ana", filter="region = 'East'", hide="age")
    assert both(caught.value) == ("Give exactly one rule: a row filter, a column to mask or a column to hide.",
                                  "请只给出一条规则：行筛选、脱敏列或隐藏列三者选一。")
    with pytest.raises(UnknownNameError) as caught:
        add_rule(ws, role="boss", hide="age")
    assert error_text(caught.value, "zh") == "未知的角色“boss”。"


def test_connection_and_secrets_file_problems_read_in_chinese(tmp_path: Path) -> None:
    from errors import SecretsFileError
    from workspace.secrets import connection_uri, save_connection, secrets_path

    ws = Workspace(tmp_path)
    with pytest.raises(InputError) as caught:
        save_connection(ws, "Sales DB", "postgresql://ana@db/sales")
    assert both(caught.value) == (
        "A connection name uses lowercase letters, digits and _ and starts with a letter (at most 63 characters): "
        "try 'sales_db'.",
        "数据连接名称只能使用小写字母、数字和 _，并以字母开头（最多 63 个字符）：可以试试“sales_db”。")
    with pytest.raises(InputError) as caught:
        save_connection(ws, "sales", "not a uri")
    assert error_text(caught.value, "zh") == "数据连接“sales”需要一个地址，例如 postgresql://user:password@host/database。"
    save_connection(ws, "sales", "postgresql://ana@db/sales")
    secrets = secrets_path(ws)
    secrets.chmod(0o644)
    with pytest.raises(SecretsFileError) as caught:
        connection_uri(ws, "sales")
    assert both(caught.value) == (
        f"{secrets} can be read or changed by other users (mode 0644). Run `chmod 600 {secrets}` and consider "
        "changing the passwords it holds.",
        f"其他用户可以读取或修改 {secrets}（权限 0644）。请运行 `chmod 600 {secrets}`，并考虑更换其中保存的密码。")


def test_tile_and_alert_rule_problems_read_in_chinese(ws: Workspace) -> None:
    from workspace.alerts import AlertRule
    from workspace.dashboards import Tile

    with pytest.raises(InputError) as caught:
        Tile("t1", "Revenue", query=SemanticQuery(metrics=("revenue",)), width=20)
    assert both(caught.value) == ("Tile 'Revenue': width must be 1–12 and height 1–4, got 20×1.",
                                  "看板卡片“Revenue”：宽度必须在 1–12 之间，高度必须在 1–4 之间，实际是 20×1。")
    with pytest.raises(InputError) as caught:
        DashboardStore(ws).get(DashboardStore(ws).create("Board", "ed").id, version=7)
    assert error_text(caught.value, "zh").endswith("没有版本 7（最新版本：1）。")
    with pytest.raises(InputError) as caught:
        AlertRule("revenue", "<", 100.0, scope="campaign")
    assert both(caught.value) == ("An alert on scope 'campaign' needs the campaign it watches.",
                                  "范围为“campaign”的预警需要指定要监控的营销活动。")
    with pytest.raises(InputError) as caught:
        AlertRule("revenue", "<", 100.0, days=120)
    assert error_text(caught.value, "zh") == "预警连续观察的天数必须在 1 到 90 之间，实际是 120。"


# --- models, filters, raw SQL and the Ask page's answers ------------------------------------------------



def model_refusal(change: tuple[str, str]) -> tuple[str, str]:
    from errors import ModelError
    from semantic.model import parse_model

    with pytest.raises(ModelError) as caught:
        parse_model(SHOP.replace(*change), "shop.yaml")
    return both(caught.value)


def test_model_file_problems_name_file_line_and_field_in_chinese() -> None:
    assert model_refusal(("format: currency", "format: money")) == (
        "shop.yaml, line 9, metrics.revenue.format: 'money' is not one of currency, integer, number, percent, ratio.",
        "shop.yaml 第 9 行，metrics.revenue.format：“money”不是 currency, integer, number, percent, ratio 之一。")
    assert model_refusal(("store: {table: sales}", "store: {table: sale}")) == (
        "shop.yaml, line 5, dimensions.store.table: Unknown table 'sale'. Did you mean 'sales'?",
        "shop.yaml 第 5 行，dimensions.store.table：未知的表“sale”。你是不是要找“sales”？")
    assert model_refusal(("  sales: {time: day}", "  sales: {tim: day}"))[1] == (
        "shop.yaml 第 3 行，tables.sales.tim：未知的字段“tim”。你是不是要找“time”？")
    assert model_refusal(("name: shop\n", "")) == ("shop.yaml, line 1: missing required field 'name'.",
                                                  "shop.yaml 第 1 行：缺少必填字段“name”。")
    assert model_refusal(("store: {", "month: {"))[1] == (
        "shop.yaml 第 5 行，dimensions.month：“month”是时间粒度的保留名称；请换一个名称。")
    english, chinese = model_refusal(("name: shop\n", "name: shop\n  bad: [\n"))
    assert english.startswith("shop.yaml, line ") and "not valid YAML" in english
    assert "不是有效的 YAML" in chinese


def test_the_model_editor_refuses_in_chinese() -> None:
    from errors import ModelError
    from semantic.model import parse_model
    from semantic.model_edit import FieldEdit, apply_edits

    shop = parse_model(SHOP, "shop.yaml")
    with pytest.raises(ModelError) as caught:
        apply_edits(shop, [FieldEdit("revenue", keep=False, label_en="", label_zh="", synonyms="")], [])
    assert both(caught.value) == ("Keep at least one metric.", "请至少保留一个指标。")
    with pytest.raises(ModelError) as caught:
        apply_edits(shop, [FieldEdit("revenue", True, "Revenue", "销售额", "", aggregation="mode")], [])
    assert both(caught.value) == (
        "Measure 'amount': 'mode' is not one of sum, count, count_distinct, avg, min, max.",
        "度量“amount”：“mode”不是 sum, count, count_distinct, avg, min, max 之一。")


def test_explore_filters_are_refused_in_chinese(model: SemanticModel) -> None:
    from semantic.query import parse_where

    with pytest.raises(QueryError) as caught:
        parse_where("region = 'East' OR region = 'North'")
    assert both(caught.value) == (
        "OR is not supported in \"region = 'East' OR region = 'North'\"; list the values instead: "
        "channel IN ('Tmall', 'JD').",
        "筛选条件 \"region = 'East' OR region = 'North'\" 中不支持 OR；请改为列出取值：channel IN ('Tmall', 'JD')。")
    with pytest.raises(QueryError) as caught:
        parse_where("region = lower('East')")
    assert error_text(caught.value, "zh") == ("筛选条件 \"region = lower('East')\" 中的取值必须是普通值，"
                                              "例如 'East' 或 30；实际是 LOWER('East')。")
    with pytest.raises(QueryError) as caught:
        compile_query(SemanticQuery(metrics=("revenue",), filters=(Filter("age", ">", "old"),)), model)
    assert both(caught.value) == ("The filter on 'age' needs a number, got 'old'.",
                                  "“age”上的筛选需要一个数字，实际是 'old'。")
    with pytest.raises(QueryError) as caught:
        compile_query(SemanticQuery(metrics=("revenue",), filters=(Filter("age", "between", (20,)),)), model)
    assert both(caught.value) == ("The filter on 'age' with 'between' needs exactly 2 value(s).",
                                  "“age”上使用“between”的筛选需要正好 2 个值。")
    with pytest.raises(QueryError) as caught:
        SemanticQuery(metrics=("revenue",), time_grain="fortnight")
    assert error_text(caught.value, "zh") == ("未知的时间粒度“fortnight”。请使用以下之一："
                                              "day, week, month, quarter, year。")


def test_raw_sql_refusals_read_in_chinese() -> None:
    from errors import UnsafeSQLError
    from semantic.guard import guard

    with pytest.raises(UnsafeSQLError) as caught:
        guard("SELECT * FROM ordrs", ["orders", "customers"])
    assert both(caught.value) == (
        "Table 'ordrs' in FROM is not in the model. Allowed tables: customers, orders. Did you mean 'orders'?",
        "表“ordrs”（位于 FROM）不在模型中。可以读取的表：customers, orders。你是不是要找“orders”？")
    with pytest.raises(UnsafeSQLError) as caught:
        guard("WITH r AS (SELECT read_csv('x') FROM orders) SELECT * FROM r", ["orders"])
    assert both(caught.value) == (
        "Function 'read_csv' is not allowed in the SELECT list of CTE 'r': it reads files, settings or other "
        "databases, or changes state.",
        "不允许使用函数“read_csv”（位于 CTE“r”的 SELECT 列表）：它会读取文件、设置或其他数据库，或者会改变状态。")
    with pytest.raises(UnsafeSQLError) as caught:
        guard("DELETE FROM orders", ["orders"])
    assert both(caught.value) == ("Only SELECT statements are allowed; found DELETE.",
                                  "只允许 SELECT 语句；这里是 DELETE。")


def test_the_ask_page_shows_a_refused_sql_answer_in_chinese(model: SemanticModel, engine: DuckDBEngine) -> None:
    from semantic.nlq.ask import answer_interpretation
    from semantic.nlq.types import Interpretation

    refused = Interpretation("orders from the file", "llm", sql="SELECT * FROM read_csv('/etc/passwd')")
    answer = answer_interpretation(refused, model=model, engine=engine, lang="zh")
    assert answer.error == ("无法计算答案：不允许使用函数“read_csv”（位于 FROM）：它会读取文件、设置或其他数据库，"
                            "或者会改变状态。")
    assert not LATIN_WORD.search(answer.error.split("：", 1)[1])


# --- the Segments and Campaigns pages ------------------------------------------------------------------


def test_segment_mapping_and_labels_are_refused_in_chinese() -> None:
    from ml.labelled import read_table
    from ml.mapping import Mapping, check_mapping, propose_mapping

    with duckdb.connect() as con:
        con.execute("CREATE TABLE notes (remark VARCHAR, flag BOOLEAN)")
        con.execute("CREATE TABLE orders (customer_id VARCHAR, order_date DATE, amount DOUBLE, churned VARCHAR)")
        with pytest.raises(InputError) as caught:
            propose_mapping(con, "notes")
        assert both(caught.value) == (
            "Could not find a customer id, date, amount column in 'notes' (columns: remark, flag). Choose the "
            "columns yourself.",
            "在“notes”中找不到客户编号、日期、金额列（现有列：remark, flag）。请自己选择这些列。")
        with pytest.raises(UnknownNameError) as caught:
            check_mapping(con, Mapping("orders", "customer", "order_date", "amount"))
        assert both(caught.value) == ("Unknown column of 'orders' 'customer'. Did you mean 'customer_id'?",
                                      "未知的“orders”表中的列“customer”。你是不是要找“customer_id”？")
        with pytest.raises(UnknownNameError) as caught:
            read_table(con, "orders", "churnd")
        assert error_text(caught.value, "zh") == "未知的“orders”表中的列“churnd”。你是不是要找“churned”？"


def test_churn_clusters_and_ab_tests_are_refused_in_chinese() -> None:
    from ml.abtest import Variant, sample_size
    from ml.attribution import shares
    from ml.churn import split_dates

    with pytest.raises(InputError) as caught:
        split_dates(dt.date(2025, 11, 1), dt.date(2025, 12, 31), 60)
    assert both(caught.value) == (
        "The churn model needs purchases from before 2025-09-02 (two churn windows of 60 days before 2025-12-31), "
        "but the data starts on 2025-11-01. Choose a shorter churn window.",
        "流失模型需要 2025-09-02 之前的购买记录（2025-12-31 之前两个 60 天的流失窗口），但数据从 2025-11-01 才开始。"
        "请选择更短的流失窗口。")
    with pytest.raises(InputError) as caught:
        Variant("B", 0, 0)
    assert both(caught.value) == ("Variant B has no people (0); a conversion rate needs at least one.",
                                  "方案 B 没有人（0）；计算转化率至少需要一个人。")
    with pytest.raises(InputError) as caught:
        sample_size(0.05, 0.01, power=1.2)
    assert both(caught.value) == ("The power must be between 0 and 1 (exclusive), got 1.2.",
                                  "统计功效（power）必须在 0 到 1 之间（不含 0 和 1），实际是 1.2。")
    with pytest.raises(InputError) as caught:
        shares(pl.DataFrame({"conversion_id": [1], "touch_time": [1], "channel": ["a"]}), by="region")
    assert error_text(caught.value, "zh") == "无法按“region”拆分归因。请使用以下之一：channel, campaign_id。"


def test_a_regional_review_refusal_reads_in_chinese(model: SemanticModel, engine: DuckDBEngine) -> None:
    from ml.review_data import check_review

    with pytest.raises(PermissionDeniedError) as caught:
        check_review(model, governed(engine, model, EAST))
    english, chinese = both(caught.value)
    assert english.startswith("A campaign review weighs results against ad spend and budget, which your data "
                              "policy cannot split (spend, ")
    assert english.endswith(" are not shown to you), so it cannot be generated for you; the Campaigns page shows "
                            "your customers' results.")
    assert chinese.startswith("活动复盘要把效果与广告花费和预算对照，而你的数据策略无法拆分这些数据（spend, ")
    assert chinese.endswith("对你不可见），因此无法为你生成复盘；营销活动页面展示了你负责的客户的效果。")


# --- the dashboard filter bar and a Chinese page -------------------------------------------------------


def test_a_dashboard_links_filters_are_refused_in_chinese() -> None:
    from ui.dashboard_filterbar import decode

    with pytest.raises(QueryError) as caught:
        decode('[{"field": "region", "op": "~", "value": "East"}]')
    english, chinese = both(caught.value)
    assert english.startswith("Unknown filter operator '~' on 'region'. Use one of: =, !=, >")
    assert chinese.startswith("“region”上的筛选运算符“~”无法识别。请使用以下之一：=, !=, >")
    with pytest.raises(QueryError) as caught:
        decode("{not json")
    assert error_text(caught.value, "zh").startswith("无法读取链接中的筛选条件：")
    with pytest.raises(InputError) as caught:
        decode("[1]")
    assert both(caught.value) == ("A filter must be an object with at least 'field'.",
                                  "筛选条件必须是一个至少包含 'field' 的对象。")


def test_a_chinese_explore_page_shows_a_bad_filter_in_chinese(regional_app: AppTest) -> None:
    app = regional_app
    app.query_params["q"] = '{"metrics": ["revenue"], "filters": [{"field": "age", "op": ">", "value": "old"}]}'
    app.run()
    app.switch_page("app_pages/explore.py").run()
    assert not app.exception, app.exception
    assert [e.value for e in app.error] == ["出错了：“age”上的筛选需要一个数字，实际是 'old'。"]
    assert not app.get("plotly_chart")


def test_a_chinese_data_page_explains_a_refused_cleaning_step(warehouse: Path, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copy(warehouse, tmp_path / "warehouse.duckdb")
    Settings(tmp_path).set("open_demo", True)
    monkeypatch.setenv("BEACON_HOME", str(tmp_path))
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    app.query_params["lang"] = "zh"
    app.run()
    app.switch_page("app_pages/data.py").run()
    app.selectbox(key="data_table").set_value("customers").run()
    column = app.selectbox(key="col_customers_rename").value
    taken = next(c for c in app.selectbox(key="col_customers_rename").options if c != column)
    app.text_input(key="clean.new_name_customers_rename").input(taken).run()
    app.button(key="apply_customers").click().run()
    assert not app.exception, app.exception
    assert [e.value for e in app.error] == [
        f"出错了：第 1 步（重命名列）：已有名为“{taken}”的列（列名不区分大小写）；请换一个名称。"]


def test_a_missing_warehouse_and_a_bad_chart_read_in_chinese(tmp_path: Path) -> None:
    from errors import WarehouseError
    from viz.chart_spec import ChartSpec

    with pytest.raises(WarehouseError) as caught:
        DuckDBEngine(tmp_path / "gone.duckdb").run(CompiledSQL("SELECT 1", ("x",), "duckdb"))
    assert both(caught.value) == (
        f"No warehouse at {tmp_path}/gone.duckdb. Build the demo with `beacon demo` or point --db at a DuckDB file.",
        f"{tmp_path}/gone.duckdb 处没有数据仓库。请用 `beacon demo` 生成演示数据，或用 --db 指定一个 DuckDB 文件。")
    with pytest.raises(InputError) as caught:
        ChartSpec("donught")
    assert error_text(caught.value, "zh").startswith("未知的图表类型“donught”。请使用以下之一：")


def test_a_bad_llm_reply_is_explained_in_chinese(model: SemanticModel) -> None:
    """The reason the Ask page shows after two bad replies (the model itself is told in English)."""
    from semantic.nlq.llm import checked_reply, reply_object

    with pytest.raises(QueryError) as caught:
        reply_object("")
    assert both(caught.value) == ("The reply is not one JSON object (got: an empty reply).",
                                  "回复不是单个 JSON 对象（收到的是空回复）。")
    with pytest.raises(QueryError) as caught:
        checked_reply({"metrics": ["revenue"], "filters": "region = East"}, "q", model)
    assert both(caught.value) == (
        "'filters' must be a list of {field, op, value} objects; got \"region = East\".",
        "“filters”必须是{field, op, value} 对象的列表；收到的是 \"region = East\"。")
    with pytest.raises(QueryError) as caught:
        checked_reply({"metrics": ["revenue"], "filters": [{"field": "region", "value": {"$ne": 1}}]}, "q", model)
    assert error_text(caught.value, "zh") == ("对“region”的筛选需要一个普通值（文本、数字或列表）；"
                                             "收到的是 {\"$ne\": 1}。")
    with pytest.raises(QueryError) as caught:
        checked_reply({"metrics": []}, "q", model)
    assert error_text(caught.value, "zh") == "回复中没有指标或维度，没有 SQL，也没有澄清问题；请至少给出其中一项。"


def test_an_impossible_period_reads_in_chinese() -> None:
    from semantic.nlq.dates import PeriodError, find_periods

    with pytest.raises(PeriodError) as caught:
        find_periods("前十三个季度", dt.date(2025, 6, 30))
    assert both(caught.value) == ("'前十三个季度' is not a date or period in the calendar.",
                                  "“前十三个季度”在日历中不是一个有效的日期或时间段。")
    assert both(caught.value.__cause__) == ("'前十三个季度' is longer than a year.", "“前十三个季度”超过了一年。")
    with pytest.raises(PeriodError) as caught:
        find_periods("2025年13月", dt.date(2025, 6, 30))
    assert both(caught.value.__cause__) == ("There is no month 13.", "不存在 13 月。")


def test_live_postgres_connection_and_query_errors_read_in_chinese_without_the_password(
        postgres_url: str) -> None:  # noqa: F811
    closed = PostgresEngine("postgresql://ana:s3cret@127.0.0.1:1/sales?connect_timeout=2")
    with pytest.raises(SourceConnectionError) as caught:
        closed.table_names()
    english, chinese = both(caught.value)
    assert english.startswith("Cannot connect to postgresql://ana:***@127.0.0.1:1/sales?connect_timeout=2: ")
    assert chinese.startswith("无法连接到 postgresql://ana:***@127.0.0.1:1/sales?connect_timeout=2：")
    assert "s3cret" not in english + chinese + repr(dict(caught.value.text_values))
    live = PostgresEngine(postgres_url)
    with pytest.raises(ExecutionError) as caught:
        live.run(CompiledSQL("SELECT nope FROM pg_class", ("nope",), "postgres"))
    live.close()
    assert both(caught.value) == ('PostgreSQL could not run the query: column "nope" does not exist',
                                  'PostgreSQL 无法执行该查询：column "nope" does not exist')
    with pytest.raises(InputError) as caught:
        PostgresEngine("mysql://ana@db/sales")
    assert error_text(caught.value, "zh") == ("PostgreSQL 连接需要一个 URI，例如 "
                                              "postgresql://user:password@host:5432/database。")


def test_a_busy_warehouse_reads_in_chinese(tmp_path: Path) -> None:
    import fcntl

    from errors import WarehouseError
    from ingest.store import write_transaction

    target = tmp_path / "w.duckdb"
    with open(tmp_path / ".w.duckdb.lock", "a+") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # another load holds the warehouse
        with pytest.raises(WarehouseError) as caught, write_transaction(target, wait_s=0.2):
            pass
    assert both(caught.value) == (
        "Another load into w.duckdb is still running after 0.2 s; try again when it has finished.",
        "另一次向 w.duckdb 的导入在 0.2 秒后仍在进行；请等它完成后再试。")


def test_proposing_a_model_for_no_table_and_an_odd_verdict_read_in_chinese(tmp_path: Path) -> None:
    from semantic.infer_profile import check_tables
    from workspace.feedback import record

    with pytest.raises(InputError) as caught:
        check_tables(duckdb.connect(), [])
    assert both(caught.value) == ("Choose at least one table to propose a model for.",
                                  "请至少选择一张表，才能为其建议模型。")
    with pytest.raises(InputError) as caught:
        record(Workspace(tmp_path), None, "maybe")  # type: ignore[arg-type]  # refused before the answer is read
    assert both(caught.value) == ("A verdict is 'right' or 'wrong', got 'maybe'.",
                                  "评价只能是“right”或“wrong”，收到的是 'maybe'。")
