"""One person, one id across loaded tables: the warehouse result, its catalog entry and the command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb

from ingest.catalog import read_catalog
from ingest.identity import KeyColumn, unify_customers
from ingest.load import load_file
from semantic.engine import DuckDBEngine

BEACON = Path(sys.executable).parent / "beacon"


def shop(tmp_path: Path) -> Path:
    warehouse = tmp_path / "warehouse.duckdb"
    crm = tmp_path / "crm.csv"
    crm.write_text("member_id,phone,email\nM1,+86 138-1234-5678,ANA@MAIL.COM\nM2,13900001111,bo@mail.com\n"
                   "M3,,cy@mail.com\n")
    orders = tmp_path / "orders.csv"
    orders.write_text("order_id,mobile,buyer_email\nO1,13812345678,\nO2,0086 13900001111,\nO3,,cy@mail.com\n"
                      "O4,13700000000,\nO5,12345678901,\n")
    load_file(warehouse, crm)
    load_file(warehouse, orders)
    return warehouse


def persons(warehouse: Path) -> dict[tuple[str, str], str]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {(t, k): p for t, k, p in con.execute("SELECT * FROM customer_identity").fetchall()}


def test_unify_writes_a_catalogued_identity_table(tmp_path: Path) -> None:
    warehouse = shop(tmp_path)
    keys = [KeyColumn("crm", "phone", "phone", "member_id"), KeyColumn("crm", "email", "email", "member_id"),
            KeyColumn("orders", "mobile", "phone", "order_id"), KeyColumn("orders", "buyer_email", "email", "order_id")]
    report = unify_customers(warehouse, keys)
    found = persons(warehouse)
    assert found[("crm", "M1")] == found[("orders", "O1")]
    assert found[("crm", "M2")] == found[("orders", "O2")]
    assert found[("crm", "M3")] == found[("orders", "O3")]
    assert len({found[("orders", "O4")], found[("orders", "O5")], found[("crm", "M1")]}) == 3
    assert (report.records, report.persons, report.merged_records) == (8, 5, 6)
    entry = next(e for e in read_catalog(DuckDBEngine(warehouse)) if e.table == "customer_identity")
    assert entry.kind == "identity" and entry.rows == 8 and "crm, orders" in entry.origin


def test_unify_command(tmp_path: Path) -> None:
    warehouse = shop(tmp_path)
    done = subprocess.run([str(BEACON), "unify", "--key", "crm.phone=phone", "--key", "orders.mobile=phone",
                           "--row-key", "crm=member_id", "--row-key", "orders=order_id", "--db", str(warehouse),
                           "--json"], capture_output=True, text=True, env=dict(os.environ), timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"table": "customer_identity", "records": 8, "persons": 6,
                                       "merged_records": 4}
    bad = subprocess.run([str(BEACON), "unify", "--key", "crm.phone", "--db", str(warehouse)],
                         capture_output=True, text=True, env=dict(os.environ), timeout=120)
    assert bad.returncode == 2 and "TABLE.COLUMN=KIND" in bad.stderr and "Traceback" not in bad.stderr
