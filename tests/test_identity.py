"""Identity resolution on hand-built marketing tables where we know exactly who is whom."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import duckdb
import pytest

from errors import IngestError
from ingest.identity import IdentityReport, KeyColumn, TableIdentity, normalise, resolve_identities

CRM = [  # __row, 姓名, phone, email
    (1, "张三", "138 1234 5678", "zhang.san@qq.com"),
    (2, "李四", "13900001111", "lisi@163.com"),
    (3, "王五", "00000000000", "test@test.com"),  # placeholders only
    (4, "赵六", "n/a", "zhaoliu@gmail.com"),
    (5, "钱七", "0", " "),  # nothing usable
    (6, "孙八", "13700002222", None),
    (7, "周九", "15000003333", "zhoujiu@163.com"),
]
ORDERS = [  # order_id (row key, no __row), phone
    ("O1", "+86 138-1234-5678"), ("O2", "13812345678"), ("O3", "0086 13812345678"), ("O4", "139-0000-1111"),
    ("O5", "00000000000"), ("O6", "15000003333"), ("O7", "0"),
]
MEMBERS = [  # __row, card, email
    (1, "VIP-0001", "ZHANG.SAN@QQ.COM"),
    (2, "vip 0002", "Zhao.Liu+promo@GMail.com"),
    (3, "0000", "test@test.com"),
    (4, "VIP0003", "ZhouJiu@163.com"),
]
WECHAT = [  # __row, wechat id, phone, card
    (1, "WX_Sun8", "13700002222", None),
    (2, "wx_sun8 ", None, None),
    (3, "wxid_q7", None, "vip-0003"),
    (4, "n/a", None, None),
]
KEYS = [
    KeyColumn("crm", "phone", "phone"), KeyColumn("crm", "email", "email"),
    KeyColumn("orders", "phone", "phone", row_key="order_id"),
    KeyColumn("members", "card", "member_card"), KeyColumn("members", "email", "email"),
    KeyColumn("wechat", "wechat id", "wechat"), KeyColumn("wechat", "phone", "phone"),
    KeyColumn("wechat", "card", "member_card"),
]
# Who is whom: each set is one person; every other record is a person of its own.
PEOPLE = [
    {("crm", "1"), ("orders", "O1"), ("orders", "O2"), ("orders", "O3"), ("members", "1")},  # 张三
    {("crm", "2"), ("orders", "O4")},  # 李四
    {("crm", "4"), ("members", "2")},  # 赵六, by a gmail address written two ways
    {("crm", "6"), ("wechat", "1"), ("wechat", "2")},  # 孙八: phone, then the same WeChat id in another case
    {("crm", "7"), ("orders", "O6"), ("members", "4"), ("wechat", "3")},  # 周九: phone, email, then card
]


@pytest.fixture()
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect()
    connection.execute('CREATE TABLE crm ("__row" BIGINT, "姓名" VARCHAR, phone VARCHAR, email VARCHAR)')
    connection.executemany("INSERT INTO crm VALUES (?, ?, ?, ?)", CRM)
    connection.execute("CREATE TABLE orders (order_id VARCHAR, phone VARCHAR)")
    connection.executemany("INSERT INTO orders VALUES (?, ?)", ORDERS)
    connection.execute('CREATE TABLE members ("__row" BIGINT, card VARCHAR, email VARCHAR)')
    connection.executemany("INSERT INTO members VALUES (?, ?, ?)", MEMBERS)
    connection.execute('CREATE TABLE wechat ("__row" BIGINT, "wechat id" VARCHAR, phone VARCHAR, card VARCHAR)')
    connection.executemany("INSERT INTO wechat VALUES (?, ?, ?, ?)", WECHAT)
    yield connection
    connection.close()


def persons(con: duckdb.DuckDBPyConnection, output: str = "customer_identity") -> dict[tuple[str, str], str]:
    return {(t, r): p for t, r, p in con.execute(f'SELECT * FROM "{output}"').fetchall()}


def groups(ids: dict[tuple[str, str], str]) -> list[set[tuple[str, str]]]:
    by_person: dict[str, set[tuple[str, str]]] = {}
    for record, person in ids.items():
        by_person.setdefault(person, set()).add(record)
    return sorted(by_person.values(), key=lambda g: sorted(g))


def test_who_is_whom(con: duckdb.DuckDBPyConnection) -> None:
    resolve_identities(con, KEYS)
    found = groups(persons(con))
    assert [g for g in found if len(g) > 1] == sorted(PEOPLE, key=lambda g: sorted(g))
    assert len(found) == 11


def test_every_row_gets_exactly_one_id(con: duckdb.DuckDBPyConnection) -> None:
    resolve_identities(con, KEYS)
    rows = con.execute("SELECT table_name, row_key, person_id FROM customer_identity").fetchall()
    assert len(rows) == len({(t, r) for t, r, _ in rows}) == 7 + 7 + 4 + 4
    assert [r[:2] for r in rows[:8]] == [("crm", str(i)) for i in range(1, 8)] + [("orders", "O1")]
    assert all(p.startswith("P") and len(p) == 17 for _, _, p in rows)


def test_placeholders_do_not_merge_strangers(con: duckdb.DuckDBPyConnection) -> None:
    resolve_identities(con, KEYS)
    ids = persons(con)
    placeholders = [("crm", "3"), ("crm", "5"), ("orders", "O5"), ("orders", "O7"), ("members", "3"), ("wechat", "4")]
    assert len({ids[r] for r in placeholders}) == len(placeholders)
    assert all(sum(1 for p in ids.values() if p == ids[r]) == 1 for r in placeholders)


def test_transitive_merges(con: duckdb.DuckDBPyConnection) -> None:
    resolve_identities(con, KEYS)
    ids = persons(con)
    # orders O6 –phone– crm 7 –email– members 4 –card– wechat 3
    assert ids[("orders", "O6")] == ids[("crm", "7")] == ids[("members", "4")] == ids[("wechat", "3")]
    # crm 6 –phone– wechat 1 –wechat id– wechat 2
    assert ids[("crm", "6")] == ids[("wechat", "2")]


def test_phone_written_many_ways_is_one_person(con: duckdb.DuckDBPyConnection) -> None:
    resolve_identities(con, KEYS)
    ids = persons(con)
    assert len({ids[("orders", o)] for o in ("O1", "O2", "O3")} | {ids[("crm", "1")]}) == 1


def test_the_id_is_a_hash_of_the_smallest_key(con: duckdb.DuckDBPyConnection) -> None:
    resolve_identities(con, KEYS)
    ids = persons(con)
    assert ids[("crm", "1")] == "P" + hashlib.md5(b"email:zhang.san@qq.com").hexdigest()[:16]
    assert ids[("crm", "5")] == "P" + hashlib.md5(b"row:crm:5").hexdigest()[:16]


def test_deterministic_across_runs_and_key_order(con: duckdb.DuckDBPyConnection) -> None:
    first = resolve_identities(con, KEYS)
    rows = con.execute("SELECT * FROM customer_identity").fetchall()
    assert resolve_identities(con, KEYS) == first
    assert con.execute("SELECT * FROM customer_identity").fetchall() == rows
    resolve_identities(con, list(reversed(KEYS)), output="again")
    assert persons(con, "again") == persons(con)


def test_the_report(con: duckdb.DuckDBPyConnection) -> None:
    report = resolve_identities(con, KEYS)
    assert isinstance(report, IdentityReport)
    assert (report.output, report.records, report.persons, report.merged_records) == ("customer_identity", 22, 11, 16)
    # 00000000000 twice, test@test.com twice, n/a twice, 0 twice, 0000 once; the blank email is not counted
    assert report.ignored_values == 9
    assert report.by_table == {
        "crm": TableIdentity(records=7, keyed=5, persons=7, shared=5),
        "orders": TableIdentity(records=7, keyed=5, persons=5, shared=5),
        "members": TableIdentity(records=4, keyed=3, persons=4, shared=3),
        "wechat": TableIdentity(records=4, keyed=3, persons=3, shared=3),
    }
    zhang = report.examples[0]
    assert zhang.records == (("crm", "1"), ("orders", "O1"), ("orders", "O2"), ("orders", "O3"), ("members", "1"))
    assert zhang.keys == ("email:zhang.san@qq.com", "member_card:vip0001", "phone:13812345678")
    assert [len(e.records) for e in report.examples] == [5, 4, 3, 2, 2]
    assert report.passes >= 1


def test_no_temporary_tables_are_left(con: duckdb.DuckDBPyConnection) -> None:
    resolve_identities(con, KEYS)
    names = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    assert names == {"crm", "orders", "members", "wechat", "customer_identity"}


def test_a_long_chain_is_one_person(con: duckdb.DuckDBPyConnection) -> None:
    # row i shares a phone with row i+1 on odd i and an email on even i: 3,000 links end to end
    con.execute("""CREATE TABLE chain AS SELECT i AS __row,
                   '139' || lpad(CAST((i + 1) // 2 AS VARCHAR), 8, '0') AS phone,
                   'u' || CAST(i // 2 AS VARCHAR) || '@163.com' AS email FROM range(1, 3001) t(i)""")
    report = resolve_identities(con, [KeyColumn("chain", "phone", "phone"), KeyColumn("chain", "email", "email")])
    assert (report.records, report.persons, report.merged_records) == (3000, 1, 3000)
    assert report.passes < 30


def test_a_numeric_phone_column(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE TABLE numeric_phones AS SELECT 1 AS __row, 13812345678.0::DOUBLE AS phone")
    resolve_identities(con, [KeyColumn("numeric_phones", "phone", "phone"), KeyColumn("crm", "phone", "phone")])
    ids = persons(con)
    assert ids[("numeric_phones", "1")] == ids[("crm", "1")]


@pytest.mark.parametrize(("kind", "raw", "expected"), [
    ("phone", "+86 138-1234-5678", "13812345678"), ("phone", "0086 13812345678", "13812345678"),
    ("phone", "8613812345678", "13812345678"), ("phone", "013812345678", "13812345678"),
    ("phone", "１３８１２３４５６７８", "13812345678"), ("phone", "13812345678.0", "13812345678"),
    ("phone", "010-8888 1234", "01088881234"), ("phone", "+1 (415) 555-0100", "14155550100"),
    ("phone", "00000000000", None), ("phone", "12345678901", None), ("phone", "13800138000", None),
    ("phone", "123", None), ("phone", "n/a", None), ("phone", "", None), ("phone", None, None),
    ("email", " Zhang.San@QQ.com ", "zhang.san@qq.com"), ("email", "Li.Lei+shop@googlemail.com", "lilei@gmail.com"),
    ("email", "li.lei+shop@163.com", "li.lei+shop@163.com"), ("email", "test@test.com", None),
    ("email", "noreply@qq.com", None), ("email", "a@example.com", None), ("email", "not an email", None),
    ("member_card", " VIP-0001 ", "vip0001"), ("member_card", "12345.0", "12345"), ("member_card", "0000", None),
    ("member_card", "暂无", None), ("wechat", "WXID_Abc", "wxid_abc"), ("wechat", "-", None),
    ("customer_id", "C-001", "c-001"), ("customer_id", "N/A", None),
])
def test_normalise(kind: str, raw: str | None, expected: str | None) -> None:
    assert normalise(kind, raw) == expected


@pytest.mark.parametrize(("keys", "message"), [
    ([], "Choose at least one column"),
    ([KeyColumn("crm", "phone", "mobile")], "Unknown kind of key 'mobile'."),
    ([KeyColumn("crm", "phone", "emial")], "Unknown kind of key 'emial'. Did you mean 'email'?"),
    ([KeyColumn("order", "phone", "phone", "order_id")], "There is no table 'order' in the warehouse. "
                                                         "Did you mean 'orders'?"),
    ([KeyColumn("crm", "phones", "phone")], "There is no column 'phones' in table 'crm'. Did you mean 'phone'?"),
    ([KeyColumn("orders", "phone", "phone")], "Table 'orders' has no __row column; name the column that identifies"),
    ([KeyColumn("orders", "phone", "phone", "order")], "There is no column 'order' in table 'orders'. "
                                                       "Did you mean 'order_id'?"),
    ([KeyColumn("crm", "phone", "phone"), KeyColumn("crm", "email", "email", "姓名")],
     "Table 'crm' is given two row keys, '__row' and '姓名'; use one."),
])
def test_bad_keys_are_refused_in_words(con: duckdb.DuckDBPyConnection, keys: list[KeyColumn], message: str) -> None:
    with pytest.raises(IngestError, match="^" + message.replace(".", r"\.").replace("?", r"\?")):
        resolve_identities(con, keys)


def test_the_output_cannot_overwrite_an_input(con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(IngestError, match="cannot be written to 'crm'"):
        resolve_identities(con, KEYS, output="crm")


def test_chinese_table_and_column_names(con: duckdb.DuckDBPyConnection) -> None:
    con.execute('CREATE TABLE "会员 表" ("会员号" VARCHAR, "手机号" VARCHAR)')
    con.executemany('INSERT INTO "会员 表" VALUES (?, ?)',
                    [("M1", "＋８６ １３９００００１１１１"), ("M2", None), (None, "13812345678")])
    report = resolve_identities(con, [KeyColumn("会员 表", "手机号", "phone", row_key="会员号"),
                                      KeyColumn("crm", "phone", "phone")], output="身份")
    ids = persons(con, "身份")
    assert ids[("会员 表", "M1")] == ids[("crm", "2")]  # full-width +86 and digits
    assert ("会员 表", "M2") in ids and len([r for r in ids if r[0] == "会员 表"]) == 2  # a NULL row key is left out
    assert report.by_table["会员 表"] == TableIdentity(records=2, keyed=1, persons=2, shared=1)
