"""Several processes reserve one car at the same moment on PostgreSQL: exactly one wins.

Each worker is a separate OS process with its own engine and connection (no
shared Python state); a barrier releases them together. The losers must get a
clean refusal (a ``Failure`` with an illegal transition or a concurrent-change
error), never an exception, and the car must end with one reservation and one
RESERVE step in its history.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from collections.abc import Iterator
from typing import Any

import pendulum
import pytest
from returns.result import Success
from sqlalchemy import text

from fours_adapters.bootstrap import bootstrap
from fours_adapters.sql.engine import make_engine
from fours_adapters.sql.migrate import upgrade
from fours_domain.org import services as org
from fours_domain.shared.catalogue import VehicleSpec
from fours_domain.shared.time import FixedClock
from fours_domain.vehicles import services as svc
from fours_domain.vehicles.lifecycle import VehicleAction, VehicleState
from fours_domain.vehicles.model import ChecklistItem, HolderKind

VIN = "LFV3A24G6P3000101"
WORKERS = 6
AT = pendulum.datetime(2026, 11, 25, 2, tz="UTC")


@pytest.fixture
def pg_car_schema(pg_server_url: str) -> Iterator[tuple[str, str]]:
    """A private schema with one car in stock at store S1."""
    schema = f"fours_vehconc_{os.getpid()}"
    admin = make_engine(pg_server_url, pool_size=1)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(pg_server_url, connect_args={"options": f"-csearch_path={schema}"})
    upgrade(engine)
    clock = FixedClock(AT)
    app = bootstrap(engine=engine, clock=clock)
    org.create_group(app.uow(), org.CreateGroup("ACME", "Acme")).unwrap()
    org.add_region(app.uow(), org.AddRegion("EAST", "East")).unwrap()
    org.add_brand(app.uow(), org.AddBrand("AUDI", "Audi", "FAW")).unwrap()
    org.open_store(
        app.uow(), org.OpenStore("S1", "S1", "EAST", "Asia/Shanghai", ("AUDI",)), clock
    ).unwrap()
    spec = VehicleSpec("AUDI", "A6L", colour="BLACK")
    svc.add_vehicle(app.uow(), svc.AddVehicle("S1", VIN, spec, "amy"), clock).unwrap()
    ok = (ChecklistItem("brakes", True),)
    svc.inspect_vehicle(app.uow(), svc.InspectVehicle("S1", VIN, "bob", ok), clock).unwrap()
    engine.dispose()
    yield pg_server_url, schema
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    admin.dispose()


def _reserve(url: str, schema: str, clerk: int, barrier: Any, results: Any) -> None:
    engine = make_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    app = bootstrap(engine=engine, clock=FixedClock(AT))
    with engine.connect() as conn:  # connect before the barrier so all start together
        conn.execute(text("select 1"))
    cmd = svc.ReserveVehicle("S1", VIN, HolderKind.CUSTOMER, f"C{clerk}", f"clerk-{clerk}")
    barrier.wait(timeout=60)
    try:
        outcome = svc.reserve_vehicle(app.uow(), cmd, app.clock)
        if isinstance(outcome, Success):
            results.put((clerk, "won", None, None))
        else:
            failure = outcome.failure()
            results.put((clerk, "refused", failure.code, failure.message))
    except Exception as exc:  # noqa: BLE001 - report any crash to the parent as a failure
        results.put((clerk, "crashed", type(exc).__name__, str(exc)))
    finally:
        engine.dispose()


@pytest.mark.postgres
@pytest.mark.slow
def test_exactly_one_clerk_reserves_the_car(pg_car_schema: tuple[str, str]) -> None:
    url, schema = pg_car_schema
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(WORKERS)
    results = ctx.Queue()
    workers = [
        ctx.Process(target=_reserve, args=(url, schema, i, barrier, results))
        for i in range(WORKERS)
    ]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
    assert [o for o in outcomes if o[1] == "crashed"] == []
    winners = [o for o in outcomes if o[1] == "won"]
    losers = [o for o in outcomes if o[1] == "refused"]
    assert len(winners) == 1 and len(losers) == WORKERS - 1
    for _, _, code, message in losers:
        assert code in {"illegal_transition", "concurrent_change"}
        assert message.startswith(f"vehicle {VIN}")

    engine = make_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    try:
        app = bootstrap(engine=engine)
        car, history = svc.vehicle_history(app.uow(), VIN).unwrap()
        assert car.state is VehicleState.RESERVED
        assert car.reserved_for == f"C{winners[0][0]}"
        assert [h.action for h in history].count(VehicleAction.RESERVE) == 1
    finally:
        engine.dispose()
