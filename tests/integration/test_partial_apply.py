"""A failure midway through a multi-line stock operation leaves nothing applied.

On real PostgreSQL a trigger fails the rows of the second part (P-2) — the stock
write-back of line 2, after line 1's row was written, or the ledger insert of line 2 —
with a lock timeout. Every multi-line operation then raises ``StorageFailure`` naming
itself (the reservation insert, pipelined with the stock write-back, is failed
too), and every inventory table is exactly as before: no stock figure, ledger entry,
reservation, backorder or transfer of the first line survives (docs/adr/0073).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, text

from fours_adapters.bootstrap import FoursApp, bootstrap
from fours_domain.inventory import services as inv
from fours_domain.inventory.model import ReservationPurpose, ShortagePolicy
from fours_domain.shared.errors import StorageFailure
from tests.e2e.test_database_failures import INJECT
from tests.postgres import private_schema
from tests.unit.inventory.world import BINS, PARTS, seed

pytestmark = pytest.mark.postgres

TABLES = (
    "inv_stock",
    "inv_ledger",
    "inv_reservations",
    "inv_backorders",
    "inv_transfers",
    "inv_transfer_lines",
)


def _both(quantity: int) -> tuple[inv.PartQuantity, ...]:
    return tuple(inv.PartQuantity(p, quantity) for p in PARTS)


Operation = Callable[[FoursApp], object]
OPERATIONS: dict[str, tuple[str, Operation]] = {
    "reserve": (
        "reserve_parts",
        lambda app: inv.reserve_parts(
            app.uow(),
            inv.ReserveParts("S1", "W1", _both(6), ReservationPurpose.WORK_ORDER, "WO-1"),
            app.clock,
            app.ids,
        ),
    ),
    "reserve with backorders": (
        "reserve_parts",
        lambda app: inv.reserve_parts(
            app.uow(),
            inv.ReserveParts(
                "S1",
                "W1",
                _both(50),
                ReservationPurpose.WORK_ORDER,
                "WO-2",
                ShortagePolicy.BACKORDER,
            ),
            app.clock,
            app.ids,
        ),
    ),
    "issue": (
        "issue_parts",
        lambda app: inv.issue_parts(
            app.uow(), inv.IssueParts("S1", "W1", _both(6)), app.clock, app.ids
        ),
    ),
    "receive": (
        "receive_parts",
        lambda app: inv.receive_parts(
            app.uow(), inv.ReceiveParts("S1", "W1", "A-02", _both(2)), app.clock, app.ids
        ),
    ),
    "count": (
        "count_stock",
        lambda app: inv.count_stock(
            app.uow(),
            inv.CountStock("S1", "W1", tuple(inv.CountLine(b, p, 1) for b in BINS for p in PARTS)),
            app.clock,
            app.ids,
        ),
    ),
    "dispatch": (
        "dispatch_transfer",
        lambda app: inv.dispatch_transfer(
            app.uow(), inv.DispatchTransfer("S1", "W1", "S2", "W1", _both(7)), app.clock, app.ids
        ),
    ),
}


@pytest.fixture
def app(pg_server_url: str) -> Iterator[tuple[FoursApp, Engine]]:
    with private_schema(pg_server_url, "fours_partial") as (_, engine):
        fours = bootstrap(engine=engine)
        seed(fours.uow, fours.clock)
        for bin_code in BINS:
            receipt = inv.ReceiveParts("S1", "W1", bin_code, _both(5))
            inv.receive_parts(fours.uow(), receipt, fours.clock, fours.ids).unwrap()
        with engine.begin() as conn:
            conn.connection.dbapi_connection.execute(INJECT)  # type: ignore[union-attr]
            conn.execute(
                text(
                    "CREATE TRIGGER fours_fail_reservations BEFORE INSERT ON inv_reservations"
                    " FOR EACH ROW EXECUTE FUNCTION fours_fail()"
                )
            )
        yield fours, engine
        fours.close()


def _snapshot(engine: Engine) -> dict[str, list[Any]]:
    with engine.connect() as conn:
        return {
            table: sorted(map(tuple, conn.execute(text(f"SELECT * FROM {table}"))), key=repr)
            for table in TABLES
        }


INJECTED = ("stock", "ledger", "reservations")
CASES = [
    (name, table)
    for name in sorted(OPERATIONS)
    for table in (("stock", "reservations") if name.startswith("reserve") else ("stock", "ledger"))
]


@pytest.mark.parametrize(("name", "table"), CASES)
def test_a_failure_midway_applies_nothing(
    app: tuple[FoursApp, Engine], name: str, table: str
) -> None:
    fours, engine = app
    operation, run = OPERATIONS[name]
    with engine.begin() as conn:
        for other in INJECTED:
            if other != table:
                conn.execute(text(f"ALTER TABLE inv_{other} DISABLE TRIGGER fours_fail_{other}"))
        conn.execute(text("INSERT INTO fours_fail VALUES ('55P03', -1, 'P-2')"))
    before = _snapshot(engine)
    with pytest.raises(StorageFailure) as raised:
        run(fours)
    assert (raised.value.operation, raised.value.attempts) == (operation, 1)
    assert _snapshot(engine) == before
    # The same operation succeeds once the failure is gone, and then changes the tables.
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM fours_fail"))
    run(fours)
    assert _snapshot(engine) != before
