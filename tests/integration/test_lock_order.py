"""Lock order, for real: several processes run every multi-row stock operation over the
same parts on one PostgreSQL database, half of them naming rows in the opposite order.

Moves A-01→A-02 against A-02→A-01, multi-line reservations, issues, receipts that
serve backorders and stocktakes listing the lines either way round, transfers naming
their reservations either way round (received at once), releases, and the expiry
sweep racing reservations that lapse during the run. Retries of transient failures are
switched off in the workers (``TRANSIENT_ATTEMPTS = 1``), so a single deadlock would
surface: the test wants none, no oversell, and stock that agrees with the ledger and
the open reservations row by row (docs/adr/0072-one-lock-order.md).
"""

from __future__ import annotations

import multiprocessing
import time
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from returns.result import Success
from sqlalchemy import Engine

from fours_adapters.bootstrap import bootstrap
from fours_adapters.sql.engine import make_engine
from fours_domain.inventory import services as inv
from fours_domain.inventory.model import ReservationPurpose, ShortagePolicy, TransferStatus
from fours_domain.shared.ids import StoreId
from tests.postgres import private_schema
from tests.unit.inventory.world import BINS, PARTS, STORES, seed

WORKERS = 4
ROUNDS = 8
START = 500


def _lines(forward: bool, quantity: int = 1) -> tuple[inv.PartQuantity, ...]:
    parts = PARTS if forward else tuple(reversed(PARTS))
    return tuple(inv.PartQuantity(p, quantity) for p in parts)


def _worker(url: str, schema: str, worker: int, start_at: float) -> list[str]:
    """Run the rounds; return every exception raised (type and first line)."""
    from fours_domain.shared import results

    results.TRANSIENT_ATTEMPTS = 1  # a deadlock must surface, not be retried
    engine = make_engine(url, connect_args={"options": f"-csearch_path={schema}"}, pool_size=1)
    app = bootstrap(engine=engine)
    clock, ids = app.clock, app.ids
    errors: list[str] = []

    def attempt(label: str, service: Callable[..., Any], *args: Any) -> Any:
        try:
            return service(app.uow(), *args)
        except Exception as error:  # noqa: BLE001 - every escape is what the test counts
            chain: list[str] = []
            seen: BaseException | None = error
            while seen is not None:
                chain.append(type(seen).__name__)
                seen = seen.__cause__ or seen.__context__
            errors.append(f"{label}: {'<-'.join(chain)}: {str(error).splitlines()[0]}")
            return None

    time.sleep(max(0.0, start_at - time.time()))
    for round_no in range(ROUNDS):
        forward = (worker + round_no) % 2 == 0
        source, target = BINS if forward else BINS[::-1]
        soon = clock.now().add(microseconds=300_000 + 200_000 * (worker % 3))
        move = inv.MoveParts("S1", "P-1", 1, "W1", source, "W1", target)
        attempt("move", inv.move_parts, move, clock, ids)
        for_transfer = inv.ReserveParts(
            "S1",
            "W1",
            _lines(forward),
            ReservationPurpose.TRANSFER,
            f"T-{worker}-{round_no}",
            expires_at=soon.add(seconds=2),
        )
        reserved = attempt("reserve", inv.reserve_parts, for_transfer, clock, ids)
        if isinstance(reserved, Success):
            held = sorted(r.id for r in reserved.unwrap().reservations)
            named = tuple(held if forward else held[::-1])
            dispatch = inv.DispatchTransfer(
                "S1", "W1", "S2", "W1", _lines(not forward), reservation_ids=named
            )
            sent = attempt("dispatch", inv.dispatch_transfer, dispatch, clock, ids)
            if isinstance(sent, Success):
                receive = inv.ReceiveTransfer("S2", sent.unwrap().id, target)
                attempt("receive transfer", inv.receive_transfer, receive, clock, ids)
        lapsing = inv.ReserveParts(
            "S1",
            "W1",
            _lines(not forward),
            ReservationPurpose.WORK_ORDER,
            f"WO-{worker}-{round_no}",
            expires_at=soon,
        )
        work_order = attempt("reserve lapsing", inv.reserve_parts, lapsing, clock, ids)
        if isinstance(work_order, Success) and work_order.unwrap().reservations:
            release = inv.ReleaseReservation("S1", work_order.unwrap().reservations[0].id)
            attempt("release", inv.release_reservation, release, clock)
        attempt("issue", inv.issue_parts, inv.IssueParts("S1", "W1", _lines(forward)), clock, ids)
        attempt("expire", inv.expire_reservations, inv.ExpireReservations("S1"), clock)
        counts = tuple(inv.CountLine(b, "P-2", START) for b in (BINS if forward else BINS[::-1]))
        attempt("count", inv.count_stock, inv.CountStock("S1", "W1", counts), clock, ids)
        short = inv.ReserveParts(
            "S2",
            "W1",
            _lines(forward, 3),
            ReservationPurpose.WORK_ORDER,
            f"B-{worker}-{round_no}",
            ShortagePolicy.BACKORDER,
        )
        attempt("backorder", inv.reserve_parts, short, clock, ids)
        delivery = inv.ReceiveParts("S2", "W1", source, _lines(not forward, 2))
        attempt("receive", inv.receive_parts, delivery, clock, ids)
    app.close()
    return errors


@pytest.fixture
def lock_engine(pg_server_url: str) -> Iterator[tuple[Engine, str]]:
    with private_schema(pg_server_url, "fours_locks") as (schema, engine):
        yield engine, schema


@pytest.mark.postgres
@pytest.mark.slow
def test_opposite_orders_never_deadlock(
    lock_engine: tuple[Engine, str], pg_server_url: str
) -> None:
    engine, schema = lock_engine
    app = bootstrap(engine=engine)
    seed(app.uow, app.clock)
    for bin_code in BINS:
        inv.receive_parts(
            app.uow(),
            inv.ReceiveParts("S1", "W1", bin_code, _lines(True, START)),
            app.clock,
            app.ids,
        ).unwrap()

    context = multiprocessing.get_context("spawn")
    start_at = time.time() + 4.0
    with context.Pool(WORKERS) as pool:
        found = pool.starmap(
            _worker, [(pg_server_url, schema, w, start_at) for w in range(WORKERS)]
        )
    errors = [e for worker in found for e in worker]
    assert errors == [], f"{len(errors)} failures, e.g. {errors[:3]}"

    time.sleep(0.1)
    with app.uow() as uow:
        for store in map(StoreId, STORES):
            ledger: Counter[tuple[object, ...]] = Counter()
            for entry in uow.stock.ledger(store):
                ledger[(entry.warehouse_code, entry.bin_code, entry.part_number)] += entry.quantity
            held: Counter[tuple[object, ...]] = Counter()
            for r in uow.stock.open_reservations(store):
                held[(r.warehouse_code, r.bin_code, r.part_number)] += r.quantity
            items = uow.stock.items(store)
            assert items, store
            for item in items:
                key = (item.warehouse_code, item.bin_code, item.part_number)
                assert item.on_hand == ledger[key], (store, key)
                assert item.reserved == held[key], (store, key)
                assert 0 <= item.reserved <= item.on_hand, (store, key)
        # Every transfer sent was received.
        moving = [t for t in uow.stock.incoming_transfers(StoreId("S2"))]
        assert [t.id for t in moving if t.status is TransferStatus.IN_TRANSIT] == []
    app.close()
