"""`beacon eval --json`: the report a script or CI job reads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import beacon
from workspace.home import DEMO_MODEL


def test_eval_json_prints_the_report(warehouse: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = beacon.main(["eval", "--db", str(warehouse), "--model", str(DEMO_MODEL), "--json",
                        "--category", "ambiguity_or_refusal", "--lang", "en"])
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    assert {"engine", "as_of", "questions", "correct", "wrong", "declined", "error", "accuracy",
            "by_category", "by_lang", "latency_ms", "not_correct"} <= set(report)
    assert report["engine"] == "builtin" and report["as_of"] == "2025-12-31"
    assert report["questions"] == 6 and list(report["by_category"]) == ["ambiguity_or_refusal"]
    assert list(report["by_lang"]) == ["en"] and set(report["latency_ms"]) == {"p50", "p95", "max"}
    assert report["correct"] + report["wrong"] + report["declined"] + report["error"] == 6
    assert all({"id", "question", "status", "understood"} <= set(miss) for miss in report["not_correct"])


def test_eval_text_lists_what_was_not_correct(warehouse: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = beacon.main(["eval", "--db", str(warehouse), "--model", str(DEMO_MODEL), "--category", "total",
                        "--lang", "zh", "--show-wrong"])
    out = capsys.readouterr().out
    assert code == 0 and "Execution accuracy" in out and "p95" in out and "total" in out


def test_eval_with_an_unconfigured_llm_is_a_one_line_error(warehouse: Path, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.setenv("BEACON_HOME", str(tmp_path))
    code = beacon.main(["eval", "--engine", "llm", "--db", str(warehouse), "--model", str(DEMO_MODEL)])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error:") and len(err.strip().splitlines()) == 1
