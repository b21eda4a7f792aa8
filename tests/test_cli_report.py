"""`beacon report campaign` and `beacon report list`, run in-process: files, JSON, the archive, one-line errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from beacon import main
from workspace.home import DEMO_MODEL

Run = Callable[..., tuple[int, str, str]]  # beacon args → (exit code, stdout, stderr)


@pytest.fixture()
def run(warehouse: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Run:
    def call(*args: str) -> tuple[int, str, str]:
        data = ["--db", str(warehouse), "--model", str(DEMO_MODEL)] if args[1] == "campaign" else []
        code = main([*args, *data, "--workspace", str(tmp_path / "ws")])
        out, err = capsys.readouterr()
        return code, out, err
    return call


def test_report_campaign_pdf_in_chinese_with_out(run: Run, tmp_path: Path) -> None:
    out = tmp_path / "复盘.pdf"
    code, text, _ = run("report", "campaign", "CMP027", "--format", "pdf", "--lang", "zh", "--as-of", "2025-09-30",
                        "--out", str(out), "--json")
    data = json.loads(text)
    assert code == 0 and data["out"] == str(out) and Path(data["path"]).parent == tmp_path / "ws" / "reports"
    assert out.read_bytes() == Path(data["path"]).read_bytes()
    doc = pdfium.PdfDocument(str(out))
    words = doc[0].get_textpage().get_text_range()
    assert "活动复盘：2025 618 年中大促" in words and "Mid-Year" not in words and "数据截至2025年9月30日" in words


def test_report_list_finds_what_was_written(run: Run, tmp_path: Path) -> None:
    assert run("report", "list")[1].strip() == "No review reports yet."
    run("report", "campaign", "CMP027", "--format", "md")
    code, text, _ = run("report", "campaign", "CMP035", "--format", "html", "--out", str(tmp_path))
    assert code == 0 and text.startswith("Review of CMP035 saved to ")
    copies = list(tmp_path.glob("review-CMP035-*.html"))
    assert len(copies) == 1 and "<h1>Campaign review: Double 11 2025</h1>" in copies[0].read_text(encoding="utf-8")
    listed = json.loads(run("report", "list", "--json")[1])["reports"]
    assert sorted(r["campaign_id"] for r in listed) == ["CMP027", "CMP035"]
    assert {r["as_of"] for r in listed} == {"2025-12-31"} and {r["format"] for r in listed} == {"md", "html"}
    found = json.loads(run("report", "list", "--search", "double 11", "--json")[1])["reports"]
    assert [(r["campaign_id"], r["title"]) for r in found] == [("CMP035", "Campaign review: Double 11 2025")]
    code, text, _ = run("report", "list", "--search", "618")
    assert code == 0 and len(text.strip().splitlines()) == 1 and "CMP027  en  md" in text


def test_report_list_finds_a_campaign_by_either_name(run: Run) -> None:
    """A Chinese review's title says 2025 618 年中大促: searching '618 Mid-Year' finds it, and '年中大促' finds the
    English one, while a name of another campaign finds neither."""
    run("report", "campaign", "CMP027", "--format", "md", "--lang", "zh")
    run("report", "campaign", "CMP035", "--format", "md")
    found = json.loads(run("report", "list", "--search", "mid-year sale", "--json")[1])["reports"]
    assert [(r["campaign_id"], r["title"]) for r in found] == [("CMP027", "活动复盘：2025 618 年中大促")]
    found = json.loads(run("report", "list", "--search", "双11", "--json")[1])["reports"]
    assert [(r["campaign_id"], r["title"]) for r in found] == [("CMP035", "Campaign review: Double 11 2025")]
    assert json.loads(run("report", "list", "--search", "Qixi", "--json")[1])["reports"] == []


@pytest.mark.parametrize(("args", "message"), [
    (("CMP999",), "error: Unknown campaign 'CMP999'. Did you mean 'CMP039' or 'CMP029' or 'CMP019'?"),
    (("CMP027", "--as-of", "June 18"), "error: 'June 18' is not a date; write it as YYYY-MM-DD, e.g. 2025-06-18."),
    (("CMP027", "--out", "/nowhere/at/all/r.html"),
     "error: Cannot write the report to /nowhere/at/all/r.html: the folder /nowhere/at/all does not exist."),
])
def test_bad_input_is_one_line(run: Run, tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    code, out, err = run("report", "campaign", *args)
    assert code == 2 and out == "" and err.strip() == message
    assert not (tmp_path / "ws" / "reports").exists() or not any((tmp_path / "ws" / "reports").iterdir())
