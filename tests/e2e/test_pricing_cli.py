"""The prices and quotes commands end to end through the CLI."""

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from fours_cli.cli import cli


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    for args in (
        ["db", "upgrade"],
        ["org", "init", "acme", "Acme"],
        ["org", "add-region", "east", "East"],
        ["org", "add-brand", "audi", "Audi", "--manufacturer", "FAW-VW"],
        ["org", "add-store", "sh01", "SH", "--region", "east", "--brand", "audi"],
        [
            "org",
            "add-store",
            "xj01",
            "XJ",
            "--region",
            "east",
            "--brand",
            "audi",
            "--tz",
            "Asia/Urumqi",
        ],
        *ROSTER,
    ):
        assert run(url, *args).exit_code == 0, args
    return url


ROSTER = (
    ["--store", "sh01", "org", "add-staff", "zhang", "张伟", "--role", "sales"],
    ["--store", "sh01", "org", "add-staff", "li", "李娜", "--role", "sales_manager"],
    ["--store", "sh01", "org", "add-staff", "sun", "孙丽", "--role", "showroom_manager"],
    ["org", "add-staff", "wang", "王总", "--role", "gm", "--group-wide"],
    ["org", "add-staff", "zhao", "赵总", "--role", "gm", "--group-wide"],
)


def run(db: str, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--db", db, *args], catch_exceptions=False)


def as_json(db: str, *args: str) -> Any:
    result = run(db, "--json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_schemes_resolve_and_explain(db: str) -> None:
    as_json(
        db,
        "prices",
        "add",
        "floor",
        "300000",
        "--brand",
        "audi",
        "--model",
        "a6l",
        "--id",
        "F-GROUP",
    )
    as_json(
        db,
        "prices",
        "add",
        "floor",
        "310000",
        "--brand",
        "audi",
        "--model",
        "a6l",
        "--scope",
        "store:sh01",
        "--from",
        "2026-12-01",
        "--id",
        "F-SH",
    )
    tie = run(
        db, "prices", "add", "floor", "1", "--brand", "audi", "--model", "a6l", "--id", "F-TIE"
    )
    assert tie.exit_code == 1 and "F-TIE" in tie.output and "F-GROUP" in tie.output
    assert len(tie.output.strip().splitlines()) == 1
    # 00:30 on Dec 1 in Shanghai; still 22:30 on Nov 30 in Urumqi.
    at = "2026-11-30T16:30:00Z"
    sh = as_json(db, "--store", "sh01", "prices", "resolve", "AUDI/A6L/45", "--at", at)
    xj = as_json(db, "--store", "xj01", "prices", "resolve", "AUDI/A6L/45", "--at", at)
    assert sh["prices"]["floor"]["winner"] == "F-SH"
    assert xj["prices"]["floor"]["winner"] == "F-GROUP"
    explained = run(
        db, "--store", "sh01", "prices", "explain", "AUDI/A6L/45", "--kind", "floor", "--at", at
    )
    assert "wider_scope: F-GROUP" in explained.output
    listed = as_json(db, "prices", "list", "--scope", "store:SH01")
    assert [s["id"] for s in listed] == ["F-SH"]
    bad = run(db, "--store", "sh01", "prices", "resolve", "AUDI/A6L", "--at", "2026-12-01T00:00")
    assert bad.exit_code == 1 and "offset" in bad.output


def test_quote_needs_approval_then_is_frozen(db: str) -> None:
    for args in (
        ("msrp", "400000"),
        ("internal_guide", "380000"),
        ("floor", "360000"),
    ):
        as_json(db, "prices", "add", *args, "--brand", "audi", "--model", "a6l")
    as_json(db, "prices", "authority", "set", "sales", "--basis", "internal_guide", "--off", "2000")
    as_json(db, "prices", "authority", "set", "sales_manager", "--basis", "floor")
    as_json(db, "prices", "authority", "set", "gm", "--basis", "unlimited")
    quote = as_json(
        db,
        "--store",
        "sh01",
        "quotes",
        "new",
        "AUDI/A6L/45/WHITE",
        "--customer",
        "王先生",
        "--author",
        "zhang",
        "--role",
        "sales",
        "--price",
        "359000",
    )
    qid = quote["id"]
    mats = ("mat-1", "脚垫", "--class", "acc", "--list-price", "800", "--cost-price", "500")
    as_json(db, "parts", "add", *mats)
    line = as_json(
        db, "--store", "sh01", "quotes", "add-line", qid, "accessory", "脚垫", "--part", "mat-1"
    )
    assert line["lines"][-1]["policy_price"] == "800.00" == line["lines"][-1]["unit_price"]
    refused = run(db, "--store", "sh01", "quotes", "accept", qid, "--by", "zhang")
    assert refused.exit_code == 1
    assert refused.output.strip() == (
        f"Error: quote {qid}: deal price 359000.00 is below the floor price 360000.00 "
        f"(scheme {quote['references']['floor']['scheme']}); author zhang: SALES may go "
        "down to internal guide − 2000.00 = 378000.00; approval needed from GM"
    )
    weak = run(
        db,
        "--store",
        "sh01",
        "quotes",
        "approve",
        qid,
        "--by",
        "li",
        "--role",
        "sales_manager",
        "--reason",
        "x",
    )
    assert weak.exit_code == 1 and "needs GM" in weak.output
    as_json(
        db,
        "--store",
        "sh01",
        "quotes",
        "approve",
        qid,
        "--by",
        "wang",
        "--role",
        "gm",
        "--reason",
        "fleet",
    )
    accepted = as_json(db, "--store", "sh01", "quotes", "accept", qid, "--by", "zhang")
    assert accepted["status"] == "accepted"
    assert accepted["total"] == "359800.00"
    as_json(
        db, "prices", "add", "floor", "370000", "--brand", "audi", "--model", "a6l", "--trim", "45"
    )
    shown = as_json(db, "--store", "sh01", "quotes", "show", qid)
    assert shown == accepted
    again = run(db, "--store", "sh01", "quotes", "add-line", qid, "fee", "x", "1")
    assert again.exit_code == 1 and "accepted: cannot add a line" in again.output
    human = run(db, "--store", "sh01", "quotes", "show", qid)
    assert "frozen" in human.output and "approved by wang (GM)" in human.output


def _mats_and_showroom_authority(db: str) -> None:
    """Part P-1 at list 100; a showroom manager may go down to 90 % of list."""
    as_json(db, "parts", "add", "p-1", "Mats", "--class", "acc", "--list-price", "100",
            "--cost-price", "60")  # fmt: skip
    as_json(db, "prices", "authority", "set", "showroom_manager", "--subject", "parts",
            "--basis", "list", "--share", "0.9")  # fmt: skip


def test_parts_counter_discount(db: str) -> None:
    _mats_and_showroom_authority(db)
    as_json(db, "prices", "part-policy", "add", "acc", "*", "0.98")
    priced = as_json(db, "--store", "sh01", "prices", "part", "p-1")
    assert priced["policy_price"] == "98.00"
    assert (priced["list_price"], priced["part_class"], priced["catalogue_scope"]) == (
        "100.00",
        "ACC",
        "*",
    )
    sh01 = ("--store", "sh01", "prices", "part", "p-1")
    ok = run(db, *sh01, "--price", "90", "--by", "sun", "--role", "showroom_manager")
    assert ok.exit_code == 0, ok.output
    refused = run(db, *sh01, "--price", "89.99", "--by", "sun")
    assert refused.exit_code == 1 and "90% of list = 90.00" in refused.output
    as_json(db, "prices", "authority", "set", "gm", "--subject", "parts", "--basis", "unlimited")
    approval = as_json(
        db,
        "--store",
        "sh01",
        "prices",
        "part-approve",
        "p-1",
        "--price",
        "80",
        "--by",
        "wang",
        "--role",
        "gm",
        "--reason",
        "fleet",
    )
    granted = run(db, *sh01, "--price", "80", "--by", "sun", "--approval", approval["id"])
    assert granted.exit_code == 0, granted.output
    elsewhere = run(
        db,
        "--store",
        "xj01",
        "prices",
        "part",
        "p-1",
        "--price",
        "80",
        "--by",
        "wang",
        "--approval",
        approval["id"],
    )
    assert elsewhere.exit_code == 2 and "not found" in elsewhere.output


NOPE_AT_SH02 = (
    "part NOPE not found in the catalogue of store SH02 (business unit PREMIUM, then group)"
)


def test_parts_are_priced_from_the_store_catalogue(db: str) -> None:
    as_json(db, "org", "add-unit", "premium", "Premium")
    as_json(
        db,
        "org",
        "add-store",
        "sh02",
        "SH2",
        "--region",
        "east",
        "--brand",
        "audi",
        "--unit",
        "premium",
    )
    common = ("--class", "acc", "--cost-price", "1")
    as_json(db, "parts", "add", "mat-1", "Mats", "--list-price", "1000", *common)
    as_json(
        db, "parts", "add", "mat-1", "Mats", "--list-price", "1200", "--unit", "premium", *common
    )
    as_json(
        db,
        "parts",
        "add",
        "mat-2",
        "Premium mats",
        "--list-price",
        "500",
        "--unit",
        "premium",
        *common,
    )
    unit_price = as_json(db, "--store", "sh02", "prices", "part", "mat-1")
    assert (unit_price["list_price"], unit_price["catalogue_scope"]) == ("1200.00", "PREMIUM")
    group_price = as_json(db, "--store", "sh01", "prices", "part", "mat-1")
    assert (group_price["list_price"], group_price["catalogue_scope"]) == ("1000.00", "*")
    assert as_json(db, "--store", "sh02", "prices", "part", "mat-2")["list_price"] == "500.00"

    unknown = run(db, "--store", "sh01", "prices", "part", "mat-2", "--customer", "member_gold")
    assert unknown.exit_code == 2
    assert unknown.output == "Error: part MAT-2 not found in the catalogue of store SH01 (group)\n"
    missing = run(
        db,
        "--store",
        "sh02",
        "prices",
        "part-approve",
        "nope",
        "--price",
        "1",
        "--by",
        "w",
        "--role",
        "gm",
        "--reason",
        "x",
    )
    assert missing.exit_code == 2
    assert missing.output == f"Error: {NOPE_AT_SH02}\n"
    as_error = run(db, "--json", "--store", "sh02", "prices", "part", "nope")
    assert as_error.exit_code == 2
    assert json.loads(as_error.output) == {
        "error": "not_found",
        "message": NOPE_AT_SH02,
        "kind": "part",
        "key": "NOPE",
        "store": "SH02",
        "catalogue": "business unit PREMIUM, then group",
    }
    no_store = run(db, "prices", "part", "mat-1")
    assert no_store.exit_code == 2 and "needs a store" in no_store.output
    removed = run(db, "--store", "sh01", "prices", "part", "mat-1", "--list-price", "1")
    assert removed.exit_code == 2 and "No such option" in removed.output


def _ladder_and_prices(db: str) -> None:
    for kind, price in (("msrp", "400000"), ("internal_guide", "380000"), ("floor", "360000")):
        as_json(db, "prices", "add", kind, price, "--brand", "audi", "--model", "a6l")
    for role, basis in (
        ("sales", "internal_guide"),
        ("sales_manager", "floor"),
        ("gm", "unlimited"),
    ):
        extra = ("--off", "2000") if role == "sales" else ()
        as_json(db, "prices", "authority", "set", role, "--basis", basis, *extra)


def _draft(db: str, author: str, price: str, *extra: str) -> str:
    quote = as_json(
        db,
        "--store",
        "sh01",
        "quotes",
        "new",
        "AUDI/A6L",
        "--customer",
        "c",
        "--author",
        author,
        "--price",
        price,
        *extra,
    )
    return str(quote["id"])


def test_a_bad_vat_rate_is_one_line_also_in_json(db: str) -> None:
    _ladder_and_prices(db)
    qid = _draft(db, "zhang", "390000")
    args = ("--store", "sh01", "quotes", "add-line", qid, "service", "贴膜", "3800", "--vat", "abc")
    text = run(db, *args)
    assert (text.exit_code, text.output) == (1, "Error: VAT rate 'abc' is not a number\n")
    as_error = run(db, "--json", *args)
    assert as_error.exit_code == 1
    assert json.loads(as_error.output) == {
        "error": "invariant_violation",
        "message": "VAT rate 'abc' is not a number",
    }
    six = as_json(db, *args[:-1], "6%")
    assert six["lines"][-1]["vat_rate"] == "6%" and six["lines"][-1]["vat"] == "215.09"


def test_the_staff_roster_is_managed_and_listed(db: str) -> None:
    everyone = as_json(db, "org", "staff", "--all")
    assert [m["id"] for m in everyone] == ["li", "sun", "wang", "zhang", "zhao"]
    granted = as_json(db, "--store", "xj01", "org", "grant-role", "ZHANG", "sales")
    assert granted == {"staff": "zhang", "role": "SALES", "store": "XJ01", "group_wide": False}
    at_xj = as_json(db, "--store", "xj01", "org", "staff")
    assert [m["id"] for m in at_xj] == ["wang", "zhang", "zhao"]
    table = run(db, "--store", "xj01", "org", "staff")
    assert "SALES@SH01,SALES@XJ01" in table.output
    as_json(db, "--store", "xj01", "org", "revoke-role", "zhang", "sales")
    again = run(db, "--store", "xj01", "org", "revoke-role", "zhang", "sales")
    assert again.exit_code == 2 and "SALES not found" in again.output
    twice = run(db, "org", "add-staff", "zhang", "x")
    assert twice.exit_code == 1 and "staff member zhang already exists" in twice.output
    bad = run(db, "--json", "org", "add-staff", "", "x")
    assert bad.exit_code == 1 and json.loads(bad.output)["error"] == "invariant_violation"
    scoped = run(db, "org", "grant-role", "zhang", "gm")
    assert scoped.exit_code == 1 and "one store (--store CODE) or group-wide" in scoped.output
    nowhere = run(db, "--store", "nope", "org", "staff")
    assert nowhere.exit_code == 2 and nowhere.output == "Error: store NOPE not found\n"


def test_approvals_are_checked_against_the_roster(db: str) -> None:
    _ladder_and_prices(db)
    qid = _draft(db, "wang", "359000")  # a GM's own quote, below the floor
    assert as_json(db, "--store", "sh01", "quotes", "show", qid)["author_role"] == "GM"
    approve = ("--store", "sh01", "quotes", "approve", qid, "--reason", "fleet")
    own = run(db, *approve, "--by", "wang", "--role", "gm")
    assert own.exit_code == 1 and "four-eyes" in own.output
    typed = run(db, "--json", *approve, "--by", "li", "--role", "gm")
    assert typed.exit_code == 1
    assert json.loads(typed.output)["message"] == (
        "li (李娜) does not hold GM at store SH01 (holds: SALES_MANAGER@SH01)"
    )
    stranger = run(db, *approve, "--by", "nobody")
    assert stranger.exit_code == 2 and "fours org add-staff" in stranger.output
    empty = run(db, *approve, "--by", "")
    assert empty.exit_code == 1 and "staff id ''" in empty.output
    approved = as_json(db, *approve, "--by", "zhao")
    assert (approved["approver"], approved["role"]) == ("zhao", "GM")
    accepted = as_json(db, "--store", "sh01", "quotes", "accept", qid, "--by", "wang")
    assert accepted["status"] == "accepted"
    no_author = run(
        db, "--store", "sh01", "quotes", "new", "AUDI/A6L", "--customer", "c", "--author", ""
    )
    assert no_author.exit_code == 1 and "staff id ''" in no_author.output
    claimed = run(
        db,
        "--store",
        "sh01",
        "quotes",
        "new",
        "AUDI/A6L",
        "--customer",
        "c",
        "--author",
        "zhang",
        "--role",
        "gm",
    )
    assert claimed.exit_code == 1 and "zhang (张伟) does not hold GM" in claimed.output


def test_counter_prices_are_recorded_and_bad_ones_refused(db: str) -> None:
    _mats_and_showroom_authority(db)
    as_json(db, "prices", "authority", "set", "gm", "--subject", "parts", "--basis", "unlimited")
    part = ("--store", "sh01", "prices", "part", "p-1")
    negative = run(db, *part, "--price=-5", "--by", "wang", "--role", "gm")
    assert (negative.exit_code, negative.output) == (
        1,
        "Error: a price must be positive, got -5.00\n",
    )
    no_one = run(db, *part, "--price", "95")
    assert no_one.exit_code == 1 and "needs who grants it (--by)" in no_one.output
    granted = as_json(db, *part, "--price", "95", "--by", "sun")
    grant = granted["grant"]
    assert (grant["granted_by"], grant["role"], grant["price"], grant["policy_price"]) == (
        "sun",
        "SHOWROOM_MANAGER",
        "95.00",
        "100.00",
    )
    assert (grant["policy"], grant["granted_at"]) == ("list price", "2026-11-25T01:30:00+00:00")
    human = run(db, *part, "--price", "92", "--by", "sun")
    assert "92.00 granted by sun (own authority as SHOWROOM_MANAGER)" in human.output
    listed = as_json(db, "--store", "sh01", "prices", "part-grants")
    assert [g["price"] for g in listed] == ["92.00", "95.00"]
    anonymous = run(
        db,
        "--store",
        "sh01",
        "prices",
        "part-approve",
        "p-1",
        "--price",
        "50",
        "--by",
        "",
        "--reason",
        "x",
    )
    assert anonymous.exit_code == 1 and "staff id ''" in anonymous.output


def test_accessories_come_from_the_catalogue_and_count_against_parts_authority(db: str) -> None:
    _ladder_and_prices(db)
    as_json(db, "prices", "authority", "set", "gm", "--subject", "parts", "--basis", "unlimited")
    as_json(
        db,
        "parts",
        "add",
        "mat-1",
        "脚垫",
        "--class",
        "acc",
        "--list-price",
        "1280",
        "--cost-price",
        "760",
    )
    qid = _draft(db, "zhang", "390000")
    add = ("--store", "sh01", "quotes", "add-line", qid, "accessory", "原厂脚垫")
    free_text = run(db, *add, "1")
    assert free_text.exit_code == 1 and "names its catalogue part (--part)" in free_text.output
    hidden = run(db, *add, "1", "--part", "mat-1")
    assert hidden.exit_code == 1
    assert "SALES has no parts authority; approval needed from GM" in hidden.output
    approval = as_json(
        db,
        "--store",
        "sh01",
        "prices",
        "part-approve",
        "mat-1",
        "--price",
        "1",
        "--by",
        "wang",
        "--reason",
        "赠品",
    )
    gifted = as_json(db, *add, "1", "--part", "mat-1", "--approval", approval["id"])
    assert gifted["lines"][-1] == {
        "no": 2,
        "kind": "accessory",
        "description": "原厂脚垫",
        "unit_price": "1.00",
        "quantity": 1,
        "vat_rate": "13%",
        "gross": "1.00",
        "net": "0.88",
        "vat": "0.12",
        "part_number": "MAT-1",
        "policy_price": "1280.00",
    }
    [grant] = as_json(db, "--store", "sh01", "prices", "part-grants", "--quote", qid)
    assert (grant["granted_by"], grant["approval"], grant["quote"]) == (
        "zhang",
        approval["id"],
        qid,
    )


def test_scheme_brands_list_limits_and_ends(db: str) -> None:
    unknown = run(db, "prices", "add", "msrp", "1000", "--brand", "nope", "--model", "x")
    assert (unknown.exit_code, unknown.output) == (2, "Error: brand NOPE not found\n")
    for i in range(3):
        as_json(
            db,
            "prices",
            "add",
            "msrp",
            "1000",
            "--brand",
            "audi",
            "--model",
            f"m{i}",
            "--id",
            f"S-{i}",
        )
    for bad in ("-1", "0"):
        refused = run(db, "--json", "prices", "list", "--limit", bad)
        assert refused.exit_code == 1
        assert json.loads(refused.output)["message"] == f"--limit must be at least 1, got {bad}"
    two = run(db, "prices", "list", "--limit", "2")
    assert two.exit_code == 0 and "S-1" in two.stdout and "S-2" not in two.stdout
    assert "showing 2 of 3 schemes" in two.stderr
    whole = run(db, "--json", "prices", "list", "--limit", "3")
    assert [s["id"] for s in json.loads(whole.stdout)] == ["S-0", "S-1", "S-2"]
    assert whole.stderr == ""
    # the clock of these tests is 2026-11-25 09:30 in Shanghai
    past = run(db, "prices", "end", "S-0", "--at", "2026-11-25T09:00")
    assert past.exit_code == 1 and "has passed at store SH01" in past.output
    ended = as_json(db, "prices", "end", "s-0", "--at", "2026-12-01", "--reason", "新价目表")
    assert (ended["ends"], ended["ended_at"], ended["end_reason"]) == (
        "2026-12-01T00:00:00",
        "2026-11-25T01:30:00+00:00",
        "新价目表",
    )
    twice = run(db, "prices", "end", "S-0", "--at", "2026-12-02")
    assert twice.exit_code == 1 and "already ends at 2026-12-01T00:00:00" in twice.output
