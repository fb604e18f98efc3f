"""Amounts on the command line, in policy files and in statements (ADR 0074): one rule,
one maximum; a refusal is one line naming the option and the value (JSON with --json),
never a traceback."""

import json
from pathlib import Path

import pytest

from tests.e2e import test_pricing_cli as pricing
from tests.e2e import test_rebates_cli as rebates
from tests.e2e.test_pricing_cli import db  # noqa: F401  (the pricing fixture)

BAD = {
    "1e30": "is not an amount",
    "1e20": "is not an amount",
    "100000000000000000": "exceeds the maximum amount 9999999999.99",
    "12,5": "is not an amount",
    "NaN": "is not an amount",
    "Infinity": "is not an amount",
    "0.001": "has fractions of a fen",
}

COMMANDS = {
    "PRICE": ("prices", "add", "msrp", "{}", "--brand", "audi", "--model", "a6l"),
    "--off": ("prices", "authority", "set", "sales", "--basis", "msrp", "--off", "{}"),
    "--list-price": (
        "parts",
        "add",
        "m-9",
        "M",
        "--class",
        "acc",
        "--list-price",
        "{}",
        "--cost-price",
        "1",
    ),
    "--price": (
        "--store",
        "sh01",
        "quotes",
        "new",
        "AUDI/A6L",
        "--customer",
        "w",
        "--author",
        "zhang",
        "--role",
        "sales",
        "--price",
        "{}",
    ),
}


@pytest.mark.parametrize("field", sorted(COMMANDS))
def test_a_bad_amount_is_one_line_naming_the_option(db: str, field: str) -> None:  # noqa: F811
    for value, reason in BAD.items():
        args = [a.replace("{}", value) for a in COMMANDS[field]]
        text = pricing.run(db, *args)
        assert text.exit_code == 1, text.output
        assert text.output.startswith(f"Error: {field} {value!r} {reason}"), text.output
        assert text.output.count("\n") == 1 and "Traceback" not in text.output
        as_json = pricing.run(db, "--json", *args)
        assert as_json.exit_code == 1
        error = json.loads(as_json.output)
        assert (error["error"], error["field"], error["value"]) == ("invalid_amount", field, value)


def test_grouped_and_full_width_amounts_are_read_alike(db: str) -> None:  # noqa: F811
    for n, text in enumerate(("1,234.50", "１２３４.５", "¥1,234.5")):
        added = pricing.as_json(db, "parts", "add", f"p-{n}", "P", "--class", "acc",
                                "--list-price", text, "--cost-price", "1000")  # fmt: skip
        assert added["list_price"] == "1234.50"


def test_quantity_times_price_beyond_the_maximum_is_refused(db: str) -> None:  # noqa: F811
    pricing.as_json(db, "prices", "add", "msrp", "400000", "--brand", "audi", "--model", "a6l")
    pricing.as_json(db, "prices", "authority", "set", "sales", "--basis", "unlimited")
    quote = pricing.as_json(db, "--store", "sh01", "quotes", "new", "AUDI/A6L", "--customer",
                            "w", "--author", "zhang", "--role", "sales")  # fmt: skip
    add = ("--store", "sh01", "quotes", "add-line", quote["id"], "fee", "x")
    line = pricing.run(db, *add, "9999999999.99", "--qty", "2")
    assert line.exit_code == 1 and "line total 19999999999.98 exceeds the maximum" in line.output
    top = pricing.run(db, *add, "9999999999.99")
    assert top.exit_code == 1, top.output  # the car's line is on the quote already
    assert "the total 10000399999.99 would exceed the maximum amount" in top.output
    fits = pricing.as_json(db, *add, "9999599999.99")
    assert fits["total"] == "9999999999.99"


@pytest.fixture
def rdb(tmp_path: Path) -> str:
    return rebates.db.__wrapped__(tmp_path)  # type: ignore[attr-defined, no-any-return]


def test_rebate_amounts_and_policy_files_are_bounded(rdb: str, tmp_path: Path) -> None:
    sale = rebates.run(rdb, *rebates._sale_args("--price", "1e30"))
    assert (sale.exit_code, sale.output) == (1, "Error: --price '1e30' is not an amount "
                                             "(write 1234.56 or 1,234.56)\n")  # fmt: skip
    cost = rebates.run(rdb, *rebates._sale_args("--cost", "100000000000000000"))
    assert cost.exit_code == 1
    assert "--cost '100000000000000000' exceeds the maximum amount" in cost.output
    paid = rebates.run(rdb, *rebates.SH, "rebates", "settle", "P", "2026-Q3", "--paid", "1e20")
    assert paid.exit_code == 1 and paid.output.startswith("Error: --paid '1e20' is not an")
    confirm = rebates.run(rdb, *rebates.SH, "rebates", "confirm", "P", "2026-Q3", "--", "-1e30")
    assert confirm.exit_code == 1 and confirm.output.startswith("Error: YUAN '-1e30' is not")
    for extra, shown in (
        ('cap = "1e30"', "cap: amount '1e30' is not an amount"),
        ('cap = "100000000000000000"', "cap: amount '100000000000000000' exceeds the maximum"),
        ('value = "1e30"', "number '1e30' is not a number"),
        ('value = "1,5"', "number '1,5' is not a number"),
        ('value = "10000000000"', "must not exceed the maximum amount 9999999999.99"),
    ):
        path = rebates._policy_file(tmp_path, "p.toml", rebates._entry("BIG", extra))
        if extra.startswith("value"):
            path.write_text(path.read_text().replace('value = "500"\n', ""), encoding="utf-8")
        refused = rebates.run(rdb, "rebates", "policy", "add", str(path))
        assert refused.exit_code == 1, refused.output
        assert shown in refused.output and refused.output.count("\n") == 1
    statement = tmp_path / "s.csv"
    statement.write_text(f"vin,policy_id,amount\n{rebates.VIN},P,1e30\n", encoding="utf-8")
    reconciled = rebates.run(rdb, "rebates", "reconcile", "2026-Q3", str(statement))
    assert reconciled.exit_code == 1
    assert "row 2: amount '1e30' is not an amount" in reconciled.output


def test_a_column_types_refusal_is_reported_as_the_domain_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The last guard (MoneyType refuses beyond BIGINT fen) is one line, not a traceback."""
    from moneyed import Money
    from sqlalchemy import column, insert, table
    from sqlalchemy.exc import StatementError

    from fours_adapters.sql.types import MoneyType
    from fours_cli.errors import run_guarded

    prices = table("t", column("price", MoneyType()))
    statement = insert(prices).values(price=Money(10**18, "CNY"))

    def store() -> None:
        from sqlalchemy import create_engine

        with create_engine("sqlite://").connect() as connection:
            connection.exec_driver_sql("CREATE TABLE t (price BIGINT)")
            connection.execute(statement)

    with pytest.raises(StatementError):
        store()
    with pytest.raises(SystemExit) as stopped:
        run_guarded(store, as_json=False)
    assert stopped.value.code == 1
    err = capsys.readouterr().err
    assert err.startswith("Error: 1000000000000000000") and "too large to store" in err
    assert err.count("\n") == 1


def test_a_kpi_reading_follows_the_number_grammar(rdb: str) -> None:
    kpi = (*rebates.SH, "rebates", "kpi", "csi")
    for value, shown in (("1e999999999", "is not a number"), ("NaN", "is not a finite number")):
        refused = rebates.run(rdb, *kpi, value, "--period", "2026-Q3")
        assert (refused.exit_code, refused.output) == (1, f"Error: KPI csi {value!r} {shown}\n")
    assert rebates.js(rdb, *kpi, "9１.5", "--period", "2026-Q3")["value"] == "91.5"
