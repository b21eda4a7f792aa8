"""Which columns of a table hold the customer, the purchase date and the amount, and which rows to leave out.

Segmentation works on any transaction table, so the first step proposes the three
columns from their names and types (Online Retail's CustomerID, InvoiceDate and
Quantity × UnitPrice; the demo's customer_id, order_date and net_amount) for the user
to confirm. The mapping then yields one sqlglot SELECT of clean purchase rows
(customer, ts, amount, order) that every later step reads, and the count of rows each
exclusion rule removed, so the user sees what was left out.

>>> guess_column(["InvoiceNo", "CustomerID", "Country"], {"CustomerID": "DOUBLE"}, CUSTOMER_WORDS)
'CustomerID'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

import duckdb
from sqlglot import exp

from errors import InputError, UnknownNameError
from ingest.source import table_ref
from viz.i18n import keyed_error

CUSTOMER_WORDS = ("customer_id", "customerid", "customer", "client", "member_id", "user_id", "buyer", "客户", "会员",
                  "用户", "买家", "phone", "mobile", "手机")
DATE_WORDS = ("order_date", "invoicedate", "invoice_date", "purchase_date", "date", "time", "日期", "时间")
AMOUNT_WORDS = ("net_amount", "amount", "revenue", "sales", "total", "payment", "expenditure", "payable", "金额",
                "实付", "销售额", "消费")
QUANTITY_WORDS = ("quantity", "qty", "units", "数量", "件数")
PRICE_WORDS = ("unitprice", "unit_price", "price", "单价")
ORDER_WORDS = ("order_id", "invoiceno", "invoice", "order", "订单")
STATUS_WORDS = ("status", "state", "状态")
REFUND_WORDS = ("refund", "cancel", "return", "退款", "取消", "退货")
NUMBER_TYPES = ("INT", "DOUBLE", "FLOAT", "DECIMAL", "REAL", "NUMERIC", "BIGINT", "HUGEINT")
TIME_TYPES = ("DATE", "TIMESTAMP")


@dataclass(frozen=True)
class Mapping:
    """The user's confirmed choice: amount is one column, or quantity × price when `price` is set."""

    table: str
    customer: str
    date: str
    amount: str
    price: str | None = None
    order: str | None = None
    status: str | None = None
    extras: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, object]:
        return {**self.__dict__, "extras": list(self.extras)}

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Mapping:
        return cls(**{**data, "extras": tuple(data.get("extras") or ())})  # type: ignore[arg-type]


def columns_of(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    """Column name → DuckDB type, or an UnknownNameError naming the tables there are."""
    tables = [row[0] for row in con.execute("SHOW TABLES").fetchall()]
    if table not in tables:
        raise UnknownNameError("table", table, [t for t in tables if not t.startswith("_")])
    rows = con.execute(exp.Describe(this=table_ref(table)).sql("duckdb")).fetchall()
    return {row[0]: str(row[1]).upper() for row in rows}


def guess_column(names: list[str], types: dict[str, str], words: tuple[str, ...],
                 kinds: tuple[str, ...] = (), skip: tuple[str | None, ...] = (),
                 avoid: tuple[str, ...] = ()) -> str | None:
    """The column whose name best matches `words` (earlier words rank higher) among the allowed types,
    leaving out names with any of the `avoid` words (a buyer's payment is not a buyer id)."""
    best: tuple[int, str] | None = None
    for name in names:
        key = re.sub(r"[\s\-]", "_", name.lower())
        if name in skip or (kinds and not any(k in types.get(name, "") for k in kinds)) or \
                any(word in key for word in avoid):
            continue
        for rank, word in enumerate(words):
            if key == word or word in key:
                score = rank * 2 + (0 if key == word else 1)
                best = min(best, (score, name)) if best else (score, name)
                break
    return best[1] if best else None


def propose_mapping(con: duckdb.DuckDBPyConnection, table: str) -> Mapping:
    """A first guess at the mapping from names and types; the page shows it for confirmation."""
    types = columns_of(con, table)
    names = list(types)
    customer = guess_column(names, types, CUSTOMER_WORDS, avoid=AMOUNT_WORDS + DATE_WORDS)
    date = guess_column(names, types, DATE_WORDS, TIME_TYPES) or guess_column(names, types, DATE_WORDS)
    quantity = guess_column(names, types, QUANTITY_WORDS, NUMBER_TYPES)
    price = guess_column(names, types, PRICE_WORDS, NUMBER_TYPES, skip=(quantity,))
    amount = guess_column(names, types, AMOUNT_WORDS, NUMBER_TYPES, skip=(customer, price))
    if amount is None and quantity and price:
        amount = quantity
    else:
        price = None
    amount = amount or guess_column(names, types, (*QUANTITY_WORDS, "price"), NUMBER_TYPES)
    if not (customer and date and amount):
        missing = tuple(f"errors.mapping.role.{w}" for w, v in (("customer", customer), ("date", date),
                                                                 ("amount", amount)) if not v)
        raise keyed_error(InputError, "errors.mapping.not_found", missing_key=missing, table=table,
                          columns=", ".join(names))
    order = guess_column(names, types, ORDER_WORDS, skip=(customer, date, amount, price), avoid=DATE_WORDS)
    status = guess_column(names, types, STATUS_WORDS, ("VARCHAR",))
    return Mapping(table, customer, date, amount, price, order, status)


def check_mapping(con: duckdb.DuckDBPyConnection, mapping: Mapping) -> None:
    """Every mapped column exists; the amount is numeric and the date reads as a date."""
    types = columns_of(con, mapping.table)
    for column in (mapping.customer, mapping.date, mapping.amount, mapping.price, mapping.order, mapping.status,
                   *mapping.extras):
        if column is not None and column not in types:
            raise UnknownNameError("column", column, types, of=mapping.table)
    for column in (mapping.amount, mapping.price):
        if column is not None and not any(k in types[column] for k in NUMBER_TYPES):
            raise keyed_error(InputError, "errors.mapping.not_numbers", column=column, table=mapping.table,
                              type=types[column])


def _col(name: str) -> exp.Column:
    return exp.column(name, quoted=True)


def amount_expr(mapping: Mapping) -> exp.Expression:
    value: exp.Expression = exp.cast(_col(mapping.amount), "DOUBLE")
    if mapping.price:
        value = exp.Mul(this=value, expression=exp.cast(_col(mapping.price), "DOUBLE"))
    return value


def customer_expr(mapping: Mapping) -> exp.Expression:
    """The customer id as text; ids stored as floats (Online Retail's 17850.0) lose the '.0'."""
    text = exp.cast(_col(mapping.customer), "VARCHAR")
    return exp.func("regexp_replace", text, exp.Literal.string(r"\.0$"), exp.Literal.string(""))


def _refund(mapping: Mapping) -> exp.Expression:
    if not mapping.status:
        return exp.false()
    lowered = exp.Lower(this=exp.cast(_col(mapping.status), "VARCHAR"))
    return exp.or_(*(exp.Like(this=lowered.copy(), expression=exp.Literal.string(f"%{w}%")) for w in REFUND_WORDS))


def _rules(mapping: Mapping) -> dict[str, exp.Expression]:
    """Each exclusion rule as a condition that is true for a row it removes (checked in this order)."""
    return {
        "missing_customer": exp.or_(_col(mapping.customer).is_(exp.null()),
                                    exp.cast(_col(mapping.customer), "VARCHAR").eq(exp.Literal.string(""))),
        "missing_date": exp.TryCast(this=_col(mapping.date), to=exp.DataType.build("TIMESTAMP")).is_(exp.null()),
        "refund": _refund(mapping),
        "not_positive": exp.Coalesce(this=amount_expr(mapping) <= 0, expressions=[exp.true()]),
    }


def purchases(mapping: Mapping) -> exp.Select:
    """Clean purchase rows: customer (text), ts (timestamp), amount (double), order_key (text)."""
    keep = exp.and_(*(exp.Not(this=exp.paren(rule)) for rule in _rules(mapping).values()))
    ts = exp.TryCast(this=_col(mapping.date), to=exp.DataType.build("TIMESTAMP"))
    order = exp.cast(_col(mapping.order), "VARCHAR") if mapping.order else exp.cast(ts.copy(), "VARCHAR")
    extras = [_col(c).as_(f"x_{i}") for i, c in enumerate(mapping.extras)]
    return (exp.select(customer_expr(mapping).as_("customer"), ts.as_("ts"),
                       amount_expr(mapping).as_("amount"), order.as_("order_key"), *extras)
            .from_(table_ref(mapping.table)).where(keep))


def exclusions(con: duckdb.DuckDBPyConnection, mapping: Mapping) -> dict[str, int]:
    """Rows in the table, and how many each rule removed (a row counts under its first failing rule)."""
    check_mapping(con, mapping)
    counts: list[exp.Expression] = [exp.Count(this=exp.Star()).as_("rows")]
    earlier: list[exp.Expression] = []
    for name, rule in _rules(mapping).items():
        hit = exp.and_(exp.paren(rule.copy()), *(exp.Not(this=exp.paren(e.copy())) for e in earlier))
        counts.append(exp.Sum(this=exp.If(this=hit, true=exp.Literal.number(1), false=exp.Literal.number(0)))
                      .as_(name))
        earlier.append(rule)
    row = con.execute(exp.select(*counts).from_(table_ref(mapping.table)).sql("duckdb")).fetchall()[0]
    names = ["rows", *_rules(mapping)]
    return {n: int(v or 0) for n, v in zip(names, row, strict=True)}


def mapping_for(con: duckdb.DuckDBPyConnection, table: str, customer: str | None = None, date: str | None = None,
                amount: str | None = None, price: str | None = None, extras: tuple[str, ...] = ()) -> Mapping:
    """The proposal with the user's choices laid over it (a chosen amount drops a proposed price)."""
    try:
        proposed = propose_mapping(con, table)
    except InputError:
        if not (customer and date and amount):
            raise
        proposed = Mapping(table, customer, date, amount)
    chosen = {k: v for k, v in (("customer", customer), ("date", date), ("amount", amount)) if v}
    if amount:
        chosen["price"] = price
    mapping = replace(proposed, **chosen, extras=tuple(extras))  # type: ignore[arg-type]
    check_mapping(con, mapping)
    return mapping
