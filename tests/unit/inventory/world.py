"""A small group to exercise the inventory on: two stores, one warehouse each,
two bins each, two group-wide parts (and one business-unit part)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fours_domain.inventory import services as inv
from fours_domain.org import services as org
from fours_domain.shared.time import Clock

STORES = ("S1", "S2")
BINS = ("A-01", "A-02")
PARTS = ("P-1", "P-2")


def seed(uow: Callable[[], Any], clock: Clock) -> None:
    org.create_group(uow(), org.CreateGroup("ACME", "Acme")).unwrap()
    org.add_region(uow(), org.AddRegion("EAST", "East")).unwrap()
    org.add_business_unit(uow(), org.AddBusinessUnit("PREMIUM", "Premium")).unwrap()
    org.add_brand(uow(), org.AddBrand("AUDI", "Audi", "FAW-VW")).unwrap()
    for store in STORES:
        unit = "PREMIUM" if store == "S1" else None
        org.open_store(
            uow(), org.OpenStore(store, store, "EAST", "Asia/Shanghai", ("AUDI",), unit), clock
        ).unwrap()
        org.add_warehouse(uow(), org.AddWarehouse(store, "W1", "Parts")).unwrap()
        for bin_code in BINS:
            org.add_bin(uow(), org.AddBin(store, "W1", bin_code)).unwrap()
    for number in PARTS:
        inv.add_part(
            uow(),
            inv.AddPart(number, f"Part {number}", "REPAIR", "120.00", "80.00", fits=("AUDI/A6L",)),
        ).unwrap()
