"""Two feeds naming the same new cars in opposite orders, on real PostgreSQL.

Feed A inserts its cars and is held, by a trigger, just before its second car; feed B
(the same cars, reversed) starts meanwhile. Were B to insert in its own order, it would
hold every car but A's first and wait for that one, while A waits for B's copy of its
second car: a deadlock. Cars are written in primary-key order (docs/adr/0072), so B
waits at its first car holding nothing, A finishes, and B finds the cars there.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from returns.result import Success
from sqlalchemy import Engine, text

from fours_adapters.bootstrap import bootstrap
from fours_adapters.sql.engine import make_engine
from fours_domain.shared import results
from fours_domain.shared.catalogue import VehicleSpec
from fours_domain.shared.identifiers import VinCheck
from fours_domain.vehicles import services as cars
from tests.postgres import private_schema
from tests.unit.inventory.world import seed

pytestmark = pytest.mark.postgres

VINS = [f"LFV3A24G0P000{i:04d}" for i in range(6)]
HOLD = """
CREATE FUNCTION fours_hold() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('application_name') = 'feed-a' AND NEW.vin = '{vin}' THEN
    PERFORM pg_sleep(1.5);
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER fours_hold BEFORE INSERT ON veh_vehicles
  FOR EACH ROW EXECUTE FUNCTION fours_hold();
"""


@pytest.fixture
def schema(pg_server_url: str) -> Iterator[tuple[str, Engine]]:
    with private_schema(pg_server_url, "fours_vehlock") as (name, engine):
        app = bootstrap(engine=engine)
        seed(app.uow, app.clock)
        with engine.begin() as conn:
            conn.connection.dbapi_connection.execute(HOLD.format(vin=VINS[1]))  # type: ignore[union-attr]
        yield name, engine


def _feed(vins: list[str]) -> list[cars.ManufacturerVehicleRecord]:
    return [
        cars.ManufacturerVehicleRecord(
            source="STAR:FAW-VW",
            store_id="S1",
            vin=vin,
            spec=VehicleSpec("AUDI", "A6L", colour="BLACK"),
            manufacturer_state="ON_ORDER",
            vin_check=VinCheck.LENIENT,
        )
        for vin in vins
    ]


def test_feeds_in_opposite_orders_do_not_deadlock(
    schema: tuple[str, Engine], pg_server_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    name, engine = schema
    monkeypatch.setattr(results, "TRANSIENT_ATTEMPTS", 1)  # a deadlock must surface
    outcomes: dict[str, object] = {}

    def run(feed: str, vins: list[str]) -> None:
        options = f"-csearch_path={name} -c application_name={feed}"
        app = bootstrap(engine=make_engine(pg_server_url, connect_args={"options": options}))
        try:
            outcomes[feed] = cars.sync_vehicles_from_manufacturer(app.uow(), _feed(vins), app.clock)
        except Exception as error:  # noqa: BLE001 - what escaped is what the test checks
            outcomes[feed] = error
        finally:
            app.close()

    a = threading.Thread(target=run, args=("feed-a", VINS))
    a.start()
    with engine.connect() as conn:  # wait until feed A is held inside its insert
        for _ in range(100):
            waiting = conn.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'feed-a'"
                    " AND query LIKE 'INSERT INTO veh_vehicles%'"
                )
            ).scalar_one()
            conn.rollback()  # pg_stat_activity is a snapshot per transaction
            if waiting:
                break
            threading.Event().wait(0.05)
    b = threading.Thread(target=run, args=("feed-b", VINS[::-1]))
    b.start()
    a.join(30)
    b.join(30)
    for feed in ("feed-a", "feed-b"):
        got = outcomes[feed]
        assert isinstance(got, list), f"{feed}: {got!r}"
        assert all(isinstance(o, Success) for o in got), f"{feed}: {got}"
    app = bootstrap(engine=engine)
    with app.uow() as uow:
        for vin in VINS:
            car = uow.vehicles.get(cars.lookup_vin(vin))
            assert car is not None and len(car.history) == 1, vin
    app.close()
