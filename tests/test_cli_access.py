"""`beacon user`, `beacon policy`, `beacon audit` and `--user` on the data commands, run in-process."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import duckdb
import pytest

import beacon
from tests.conftest import same_rows
from workspace.audit import browse
from workspace.home import DEMO_MODEL, Workspace
from workspace.users import authenticate


@pytest.fixture()
def home(tmp_path: Path, warehouse: Path) -> Path:
    shutil.copy(warehouse, tmp_path / "warehouse.duckdb")
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = beacon.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _add(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, home: Path, name: str,
         role: str) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("a long password\n"))
    assert run(capsys, "user", "add", name, "--role", role, "--password-stdin", "--home", str(home))[0] == 0


def test_users_are_added_listed_and_disabled(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                                             home: Path) -> None:
    monkeypatch.delenv("BEACON_ADMIN_PASSWORD", raising=False)
    code, out, _ = run(capsys, "user", "init", "--home", str(home))
    password = out.strip().rsplit(" ", 1)[-1]
    assert code == 0 and authenticate(Workspace(home), "admin", password).user.role == "admin"
    _add(capsys, monkeypatch, home, "ana", "viewer")
    code, out, _ = run(capsys, "user", "add", "ed", "--role", "editor", "--home", str(home))
    generated = out.strip().rsplit(" ", 1)[-1]
    assert code == 0 and authenticate(Workspace(home), "ed", generated).user.role == "editor"
    assert authenticate(Workspace(home), "ana", "a long password").user.role == "viewer"
    assert run(capsys, "user", "disable", "ana", "--home", str(home))[0] == 0
    code, out, _ = run(capsys, "user", "list", "--json", "--home", str(home))
    listed = {u["username"]: (u["role"], u["disabled"]) for u in json.loads(out)}
    assert listed == {"admin": ("admin", False), "ana": ("viewer", True), "ed": ("editor", False)}
    code, _, err = run(capsys, "user", "add", "ana", "--role", "viewer", "--home", str(home))
    assert code == 2 and "already exists" in err
    code, out, _ = run(capsys, "user", "password", "ed", "--home", str(home))
    assert code == 0 and authenticate(Workspace(home), "ed", out.strip().rsplit(" ", 1)[-1])
    monkeypatch.setattr("sys.stdin", io.StringIO("\n"))
    code, _, err = run(capsys, "user", "password", "ed", "--password-stdin", "--home", str(home))
    assert code == 2 and "no password" in err


def test_query_runs_under_the_users_policy_and_is_audited(capsys: pytest.CaptureFixture[str],
                                                          monkeypatch: pytest.MonkeyPatch, home: Path,
                                                          con: duckdb.DuckDBPyConnection) -> None:
    _add(capsys, monkeypatch, home, "ana", "viewer")
    assert run(capsys, "policy", "add", "--user", "ana", "--filter", "region = 'East'", "--home", str(home))[0] == 0
    assert run(capsys, "policy", "add", "--role", "viewer", "--mask", "city", "--home", str(home))[0] == 0
    db = str(home / "warehouse.duckdb")
    code, out, err = run(capsys, "query", "--metric", "revenue", "--by", "region", "--by", "channel", "--json",
                         "--db", db, "--user", "ana")
    assert code == 0, err
    rows = sorted(tuple(r) for r in json.loads(out)["rows"])
    expected = con.execute("SELECT c.region, o.channel, SUM(net_amount) FROM orders o JOIN customers c "
                           "USING (customer_id) WHERE status = 'completed' AND c.region = 'East' "
                           "GROUP BY 1, 2 ORDER BY 1, 2").fetchall()
    assert same_rows(rows, expected)
    code, out, _ = run(capsys, "query", "--metric", "orders", "--by", "city", "--json", "--db", db, "--user", "ana")
    assert all(row[0].endswith("**") for row in json.loads(out)["rows"])
    code, out, _ = run(capsys, "audit", "--event", "query", "--json", "--home", str(home))
    entries = json.loads(out)
    assert [e["user"] for e in entries] == ["ana", "ana"]
    assert entries[1]["rows"] == len(expected) and "'East'" in entries[1]["sql"]


def test_sql_needs_the_editor_role_and_runs_under_the_policy(capsys: pytest.CaptureFixture[str],
                                                             monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    _add(capsys, monkeypatch, home, "ana", "viewer")
    _add(capsys, monkeypatch, home, "ed", "editor")
    run(capsys, "policy", "add", "--user", "ed", "--filter", "region IN ('East', 'South')", "--home", str(home))
    db = str(home / "warehouse.duckdb")
    statement = "SELECT DISTINCT region FROM customers WHERE 1=1 OR region = 'North' ORDER BY 1"
    code, out, err = run(capsys, "sql", statement, "--json", "--db", db, "--user", "ed")
    assert code == 0, err
    assert json.loads(out)["rows"] == [["East"], ["South"]]
    code, _, err = run(capsys, "sql", statement, "--db", db, "--user", "ana")
    assert code == 2 and "may not run sql; that needs the editor role" in err
    code, _, err = run(capsys, "query", "--metric", "revenue", "--db", db, "--user", "bob")
    assert code == 2 and "Unknown user 'bob'" in err
    refused = browse(Workspace(home), event="access_denied")  # bob does not exist: nobody was refused
    assert [(e.user, e.detail["command"], e.detail["reason"][:25]) for e in refused] == [
        ("ana", "sql", "User 'ana' (viewer) may n")]


def test_policy_and_audit_commands(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                                   home: Path, tmp_path: Path) -> None:
    _add(capsys, monkeypatch, home, "ana", "viewer")
    code, _, err = run(capsys, "policy", "add", "--user", "ana", "--filter", "regon = 'East'", "--home", str(home))
    assert code == 2 and "Did you mean 'region'" in err
    run(capsys, "policy", "add", "--role", "viewer", "--hide", "age", "--home", str(home))
    code, out, _ = run(capsys, "policy", "list", "--json", "--home", str(home))
    (rule,) = json.loads(out)
    assert (rule["subject_kind"], rule["subject"], rule["kind"], rule["rule"]) == ("role", "viewer", "hide", "age")
    assert run(capsys, "policy", "remove", str(rule["id"]), "--home", str(home))[0] == 0
    assert json.loads(run(capsys, "policy", "list", "--json", "--home", str(home))[1]) == []
    target = tmp_path / "audit.csv"
    code, out, _ = run(capsys, "audit", "--event", "policy_change", "--csv", str(target), "--home", str(home))
    assert code == 0 and "2 entries" in out and target.read_text().count("policy_change") == 2
    code, out, _ = run(capsys, "audit", "--user", "ana", "--home", str(home))
    assert out == ""  # ana has done nothing yet; changes made from the command line have no user
    code, _, err = run(capsys, "audit", "--since", "yesterday", "--home", str(home))
    assert code == 2 and "not a day or a moment" in err


def test_commands_not_yet_governed_refuse_user(home: Path) -> None:
    """Every data command takes the user's policy now; a new one that forgets to is refused, not run unfiltered."""
    import argparse

    from commands.common import open_model
    from errors import PermissionDeniedError

    args = argparse.Namespace(command="new", user="ana", db=home / "warehouse.duckdb", model=DEMO_MODEL)
    with pytest.raises(PermissionDeniedError, match="cannot run under --user yet"):
        open_model(args)


def test_a_question_the_policy_refuses_is_audited(capsys: pytest.CaptureFixture[str],
                                                  monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    """Ad spend has no link to a region: ana's question is refused, and the attempt is in the log."""
    _add(capsys, monkeypatch, home, "ana", "viewer")
    run(capsys, "policy", "add", "--user", "ana", "--filter", "region = 'East'", "--home", str(home))
    code, _, _ = run(capsys, "ask", "ad spend by channel", "--as-of", "2025-12-31",
                     "--db", str(home / "warehouse.duckdb"), "--user", "ana")
    assert code == 3
    (entry,) = browse(Workspace(home), event="access_denied")
    assert (entry.user, entry.detail["command"], entry.detail["question"]) == ("ana", "ask", "ad spend by channel")
    assert "Your data policy limits 'region'" in entry.detail["reason"]


@pytest.mark.parametrize("command", [("model", "show"), ("alerts", "list")])
def test_user_is_checked_by_commands_that_read_no_data_too(capsys: pytest.CaptureFixture[str], home: Path,
                                                          command: tuple[str, ...]) -> None:
    code, _, err = run(capsys, *command, "--db", str(home / "warehouse.duckdb"), "--user", "nobody")
    assert code == 2 and "Unknown user 'nobody'" in err
