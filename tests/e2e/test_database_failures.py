"""Database failures inside a command, on real PostgreSQL, through the CLI.

A trigger on ``inv_stock`` (the stock write-back, which runs on the driver connection,
ADR 0013) or on ``inv_ledger`` (the ORM flush) raises a chosen SQLSTATE — a deadlock,
a lock timeout, a unique violation — or kills the connection, on the second line of a
two-line receipt. A deadlock is retried and the command succeeds, applied once; a
lasting one, and every other failure, is one clean line (or one JSON object) naming the
operation, exit 3, and nothing of the command is applied (docs/adr/0073).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import Engine, text

from fours_adapters.bootstrap import bootstrap
from fours_cli.cli import cli
from fours_domain.shared.ids import StoreId
from fours_domain.shared.results import TRANSIENT_ATTEMPTS
from tests.postgres import private_schema
from tests.unit.inventory.world import seed

pytestmark = pytest.mark.postgres

RECEIVE = ("--store", "S1", "stock", "receive", "w1", "a-01", "P-1:3", "P-2:4")

INJECT = """
CREATE TABLE fours_fail (sqlstate text NOT NULL, times integer NOT NULL, part text NOT NULL);
CREATE SEQUENCE fours_fail_seq;
CREATE FUNCTION fours_fail() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  f record;
  n bigint;
BEGIN
  SELECT * INTO f FROM fours_fail LIMIT 1;
  IF NOT FOUND OR NEW.part_number <> f.part THEN
    RETURN NEW;
  END IF;
  -- nextval is not rolled back: it counts the attempts across retries
  n := nextval('fours_fail_seq');
  IF f.times >= 0 AND n > f.times THEN
    RETURN NEW;
  END IF;
  IF f.sqlstate = 'kill' THEN
    PERFORM pg_terminate_backend(pg_backend_pid());
  END IF;
  RAISE EXCEPTION 'injected failure %', f.sqlstate USING ERRCODE = f.sqlstate;
END $$;
CREATE TRIGGER fours_fail_stock BEFORE UPDATE ON inv_stock
  FOR EACH ROW EXECUTE FUNCTION fours_fail();
CREATE TRIGGER fours_fail_ledger BEFORE INSERT ON inv_ledger
  FOR EACH ROW EXECUTE FUNCTION fours_fail();
"""


@pytest.fixture
def pg(pg_server_url: str) -> Iterator[tuple[str, Engine]]:
    """A private schema with the group of tests/unit/inventory/world.py, its CLI URL
    and an engine on it."""
    with private_schema(pg_server_url, "fours_fail") as (schema, engine):
        app = bootstrap(engine=engine)
        seed(app.uow, app.clock)
        with engine.begin() as conn:
            conn.connection.dbapi_connection.execute(INJECT)  # type: ignore[union-attr]
        yield f"{pg_server_url}?options=-csearch_path%3D{schema}", engine


def _fail(engine: Engine, sqlstate: str, times: int, part: str = "P-2") -> None:
    """Fail the rows of ``part`` with ``sqlstate`` ``times`` times (-1: always)."""
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM fours_fail"))
        conn.execute(
            text("INSERT INTO fours_fail VALUES (:s, :t, :p)"),
            {"s": sqlstate, "t": times, "p": part},
        )


def _only(engine: Engine, table: str) -> None:
    """Inject on ``table`` (stock: the driver write-back; ledger: the ORM flush) only."""
    other = {"stock": "ledger", "ledger": "stock"}[table]
    with engine.begin() as conn:
        conn.execute(text(f"ALTER TABLE inv_{other} DISABLE TRIGGER fours_fail_{other}"))


def _fired(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                text("SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM fours_fail_seq")
            ).scalar_one()
        )


def _stock(engine: Engine) -> tuple[dict[str, int], dict[str, int]]:
    """On hand and ledger total per part at S1."""
    app = bootstrap(engine=engine)
    with app.uow() as uow:
        on_hand: dict[str, int] = {}
        for item in uow.stock.items(StoreId("S1")):
            on_hand[item.part_number] = on_hand.get(item.part_number, 0) + item.on_hand
        ledger: dict[str, int] = {}
        for entry in uow.stock.ledger(StoreId("S1")):
            ledger[entry.part_number] = ledger.get(entry.part_number, 0) + entry.quantity
    app.close()
    return on_hand, ledger


def invoke(url: str, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--db", url, *args], catch_exceptions=False, prog_name="fours")


def _receive_once_more(url: str, engine: Engine) -> None:
    """Stock is received once the injection is gone (the database is usable)."""
    _fail(engine, "40P01", 0)
    assert invoke(url, *RECEIVE).exit_code == 0


def test_a_deadlock_is_retried_and_applied_once(pg: tuple[str, Engine]) -> None:
    url, engine = pg
    _only(engine, "stock")
    _fail(engine, "40P01", TRANSIENT_ATTEMPTS - 1)  # the stock write-back, line 2
    result = invoke(url, "--json", *RECEIVE)
    assert result.exit_code == 0, result.output
    assert [e["quantity"] for e in json.loads(result.stdout)["entries"]] == [3, 4]
    assert _fired(engine) == TRANSIENT_ATTEMPTS  # two failed runs, then the good one
    assert _stock(engine) == ({"P-1": 3, "P-2": 4}, {"P-1": 3, "P-2": 4})


def test_a_lasting_deadlock_is_one_clean_error_and_nothing_is_applied(
    pg: tuple[str, Engine],
) -> None:
    url, engine = pg
    _only(engine, "stock")
    _fail(engine, "40P01", -1)
    result = invoke(url, "--json", *RECEIVE)
    assert result.exit_code == 3
    assert result.stderr == ""
    payload = json.loads(result.stdout)
    assert payload["error"] == "database_conflict"
    assert payload["operation"] == "receive_parts"
    assert payload["attempts"] == TRANSIENT_ATTEMPTS == _fired(engine)
    assert str(payload["message"]).startswith(
        f"receive_parts (ran {TRANSIENT_ATTEMPTS} times) failed: the transaction kept losing"
    )
    plain = invoke(url, *RECEIVE)
    assert plain.exit_code == 3 and plain.stdout == ""
    lines = plain.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: receive_parts (ran 3 times) failed")
    assert "injected failure 40P01" in lines[0]
    assert _stock(engine) == ({}, {})  # line 1 was written, then rolled back with line 2
    _receive_once_more(url, engine)
    assert _stock(engine) == ({"P-1": 3, "P-2": 4}, {"P-1": 3, "P-2": 4})


@pytest.mark.parametrize(
    ("sqlstate", "code"),
    [
        ("55P03", "database_error"),  # lock_not_available: a lock timeout
        ("23505", "database_error"),  # unique_violation: a race on a key
        ("40001", "database_conflict"),  # serialization_failure, always
        ("kill", "database_unreachable"),  # the connection dies mid-command
    ],
)
@pytest.mark.parametrize("table", ["stock", "ledger"])
def test_every_database_failure_is_one_clean_error(
    pg: tuple[str, Engine], sqlstate: str, code: str, table: str
) -> None:
    url, engine = pg
    _only(engine, table)
    _fail(engine, sqlstate, -1)
    result = invoke(url, "--json", *RECEIVE)
    assert result.exit_code == 3, result.output
    assert result.stderr == ""
    payload = json.loads(result.stdout)
    assert payload["error"] == code
    assert payload["operation"] == "receive_parts"
    transient = sqlstate == "40001"
    assert payload["attempts"] == (TRANSIENT_ATTEMPTS if transient else 1)
    assert _fired(engine) == payload["attempts"]  # non-transient failures are not retried
    assert str(payload["message"]).startswith("receive_parts ")
    assert "Traceback" not in result.output
    assert _stock(engine) == ({}, {})
    _receive_once_more(url, engine)
    assert _stock(engine) == ({"P-1": 3, "P-2": 4}, {"P-1": 3, "P-2": 4})


def test_a_database_failure_in_a_dms_import_is_one_clean_error(
    pg: tuple[str, Engine], tmp_path: Path
) -> None:
    url, engine = pg
    with engine.begin() as conn:
        conn.execute(
            text(
                "CREATE TRIGGER fours_fail_cars BEFORE INSERT ON veh_vehicles"
                " FOR EACH ROW EXECUTE FUNCTION fours_fail()"
            )
        )
        conn.execute(text("ALTER TABLE veh_vehicles ADD COLUMN part_number text DEFAULT 'P-2'"))
    _fail(engine, "55P03", -1)
    notice = tmp_path / "notice.csv"
    notice.write_text(
        "vin,brand,model,state,order_number\nLFV3A28K4T3000001,AUDI,A6L,ON_ORDER,PO-1\n",
        encoding="utf-8",
    )
    args = ("--store", "S1", "dms", "import", "--adapter", "csv", "--kind", "vehicle-inventory")
    result = invoke(url, "--json", *args, str(notice))
    assert result.exit_code == 3, result.output
    payload = json.loads(result.stdout)
    assert payload["error"] == "database_error"
    assert payload["operation"] == f"the import of {notice}"
    assert payload["attempts"] == 1
    assert str(payload["message"]).startswith(
        f"the import of {notice} failed: database error: injected failure 55P03"
    )
    assert str(payload["message"]).endswith("; nothing was applied")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM veh_vehicles")).scalar_one() == 0
