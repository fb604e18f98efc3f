"""Clerks racing for the last units, for real: several processes reserve on a
few hot parts of one PostgreSQL database at the same moment."""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Iterator

import pytest
from returns.result import Failure, Success
from sqlalchemy import Engine, text

from fours_adapters.bootstrap import bootstrap
from fours_adapters.sql.engine import make_engine
from fours_adapters.sql.migrate import upgrade
from fours_domain.inventory import services as inv
from fours_domain.inventory.model import NotEnoughStock, ReservationPurpose
from fours_domain.shared.ids import StoreId
from tests.unit.inventory.world import PARTS, seed

WORKERS = 6
ATTEMPTS = 12
STOCK = {"P-1": 7, "P-2": 3}  # far less than the workers ask for

Outcome = tuple[str, int, int | None]  # (part, quantity granted or 0, available if refused)


def _clerk(url: str, schema: str, worker: int, start_at: float) -> list[Outcome]:
    engine = make_engine(url, connect_args={"options": f"-csearch_path={schema}"}, pool_size=1)
    app = bootstrap(engine=engine)
    outcomes: list[Outcome] = []
    time.sleep(max(0.0, start_at - time.time()))
    for attempt in range(ATTEMPTS):
        part = PARTS[(worker + attempt) % len(PARTS)]
        quantity = 1 + (worker * attempt) % 2
        cmd = inv.ReserveParts(
            "S1",
            "W1",
            (inv.PartQuantity(part, quantity),),
            ReservationPurpose.COUNTER_SALE,
            f"clerk-{worker}-{attempt}",
        )
        match inv.reserve_parts(app.uow(), cmd, app.clock, app.ids):
            case Success(outcome):
                outcomes.append((part, sum(r.quantity for r in outcome.reservations), None))
            case Failure(error):
                assert isinstance(error, NotEnoughStock), error
                assert f"part {part} at S1/W1" in error.message
                outcomes.append((part, 0, int(str(error.details["available"]))))
    app.close()
    return outcomes


@pytest.fixture
def race_engine(pg_server_url: str) -> Iterator[tuple[Engine, str]]:
    schema = f"fours_race_{os.getpid()}"
    admin = make_engine(pg_server_url, pool_size=1)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(pg_server_url, connect_args={"options": f"-csearch_path={schema}"})
    upgrade(engine)
    yield engine, schema
    engine.dispose()
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    admin.dispose()


@pytest.mark.postgres
@pytest.mark.slow
def test_concurrent_clerks_never_oversell(
    race_engine: tuple[Engine, str], pg_server_url: str
) -> None:
    engine, schema = race_engine
    app = bootstrap(engine=engine)
    seed(app.uow, app.clock)
    for part, quantity in STOCK.items():
        inv.receive_parts(
            app.uow(),
            inv.ReceiveParts("S1", "W1", "A-01", (inv.PartQuantity(part, quantity),)),
            app.clock,
            app.ids,
        ).unwrap()

    context = multiprocessing.get_context("spawn")
    start_at = time.time() + 4.0
    with context.Pool(WORKERS) as pool:
        results = pool.starmap(
            _clerk, [(pg_server_url, schema, w, start_at) for w in range(WORKERS)]
        )
    outcomes = [o for worker in results for o in worker]
    assert len(outcomes) == WORKERS * ATTEMPTS

    with app.uow() as uow:
        items = {str(i.part_number): i for i in uow.stock.items(StoreId("S1"))}
        open_reserved = {p: 0 for p in PARTS}
        for reservation in uow.stock.open_reservations(StoreId("S1")):
            open_reserved[reservation.part_number] += reservation.quantity
        ledger = {p: 0 for p in PARTS}
        for entry in uow.stock.ledger(StoreId("S1")):
            ledger[entry.part_number] += entry.quantity
        for part, stock in STOCK.items():
            granted = sum(q for p, q, _ in outcomes if p == part)
            refusals = [(q, a) for p, q, a in outcomes if p == part and a is not None]
            assert granted <= stock, f"oversold {part}: {granted} > {stock}"
            assert items[part].reserved == granted == open_reserved[part]
            assert items[part].on_hand == stock == ledger[part]
            assert refusals, f"nobody was refused {part}: the race did not happen"
            assert all(available >= 0 for _, available in refusals)
            # the last unit went: nobody was refused while enough was left for a 1-unit ask
            assert stock - granted <= 1
    app.close()
