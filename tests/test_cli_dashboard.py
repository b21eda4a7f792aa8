"""`beacon dashboard list` and `export`, run in-process as a scheduler would run them."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PIL import Image

import beacon
from workspace.demo_dashboards import CAMPAIGN_ID, MARKETING_ID, ensure_demo_dashboards
from workspace.home import Workspace


@pytest.fixture()
def db(tmp_path: Path, warehouse: Path) -> Path:
    shutil.copy(warehouse, tmp_path / "warehouse.duckdb")
    ensure_demo_dashboards(Workspace(tmp_path))
    return tmp_path / "warehouse.duckdb"


def test_list_as_json(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert beacon.main(["dashboard", "list", "--json", "--lang", "zh", "--db", str(db)]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(d["id"], d["title"], d["version"]) for d in listed] == [(CAMPAIGN_ID, "活动效果", 1),
                                                                    (MARKETING_ID, "营销总览", 1)]


def test_export_html_with_a_filter(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = db.parent / "out" / "weekly.html"
    code = beacon.main(["dashboard", "export", MARKETING_ID, "--format", "html", "--filter", "channel=JD",
                        "--from", "2025-01-01", "--to", "2025-03-31", "--out", str(out), "--db", str(db)])
    assert code == 0 and f"Wrote {out}" in capsys.readouterr().out
    page = out.read_text(encoding="utf-8")
    assert "Filters: Channel = JD; Period 2025-01-01 – 2025-03-31" in page and "Marketing overview" in page


def test_export_pdf_and_png_to_the_reports_folder(db: Path) -> None:
    assert beacon.main(["dashboard", "export", CAMPAIGN_ID, "--format", "pdf", "--lang", "zh", "--db", str(db)]) == 0
    assert len(pdfium.PdfDocument(db.parent / "reports" / f"{CAMPAIGN_ID}.pdf")) >= 1
    assert beacon.main(["dashboard", "export", MARKETING_ID, "--format", "png", "--tile", "5", "--db", str(db)]) == 0
    image = Image.open(io.BytesIO((db.parent / "reports" / f"{MARKETING_ID}-tile5.png").read_bytes()))
    assert image.format == "PNG"


@pytest.mark.parametrize(("args", "message"), [
    (["export", "nope"], "Unknown dashboard 'nope'"),
    (["export", MARKETING_ID, "--filter", "chanel=JD"], "Unknown dimension 'chanel'. Did you mean 'channel'?"),
    (["export", MARKETING_ID, "--filter", "channel"], "write it as --filter DIM=VALUE"),
    (["export", MARKETING_ID, "--from", "2025-01-01"], "Give both --from and --to"),
    (["export", MARKETING_ID, "--format", "png", "--tile", "1"], "has no chart to draw"),
    (["export", MARKETING_ID, "--format", "png", "--tile", "0"], "--tile counts from 1"),
    (["export", MARKETING_ID, "--format", "png", "--tile", "99"],
     "There is no tile 99; the dashboard's tiles are numbered 1 to 9."),
])
def test_user_errors_print_one_line_and_exit_2(db: Path, args: list[str], message: str,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    assert beacon.main(["dashboard", *args, "--db", str(db)]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
