"""star_vehicle_inventory_pg: ``star_vehicle_inventory`` on PostgreSQL (database
``fours_bench``, schema ``bench_star``); ``…_pg_resend``: the same cars again under a
new BODID. See bench/star_vehicle_inventory.py."""

from __future__ import annotations

from collections.abc import Iterator

from bench.harness import Measurement
from bench.star_vehicle_inventory import measure


def run() -> Iterator[Measurement]:
    yield from measure("postgresql", "star_vehicle_inventory_pg")
