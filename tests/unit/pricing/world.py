"""The pricing test world: a store, the default authority ladder, a staff roster."""

from typing import Any

import pendulum
from returns.result import Result

from fours_domain.inventory import services as inv
from fours_domain.org import services as org
from fours_domain.pricing import services as svc
from fours_domain.pricing.authority import default_rules
from fours_domain.pricing.model import PriceKind, PriceScheme
from fours_domain.pricing.quotes import Quote
from fours_domain.shared.catalogue import VehicleSpec
from fours_domain.shared.errors import DomainError
from fours_domain.shared.ids import SequentialIdSource
from fours_domain.shared.time import FixedClock
from fours_domain.testing.fakes import FakeUnitOfWork

CAR = VehicleSpec("AUDI", "A6L", trim="45TFSI", colour="WHITE")
IDS = SequentialIdSource("L")

ROSTER = (
    ("zhang", "张伟", "SALES", "SH01"),
    ("li", "李娜", "SALES_MANAGER", "SH01"),
    ("sun", "孙丽", "SHOWROOM_MANAGER", "SH01"),
    ("wang", "王总", "GM", None),
    ("zhao", "赵总", "GM", None),
)
"""(staff id, name, role, store — ``None``: group-wide)."""


def world() -> FakeUnitOfWork:
    uow = FakeUnitOfWork()
    uow.scheme_ids = SequentialIdSource("P")  # type: ignore[attr-defined]
    org.create_group(uow, org.CreateGroup("ACME", "Acme")).unwrap()
    org.add_region(uow, org.AddRegion("EAST", "East")).unwrap()
    org.add_brand(uow, org.AddBrand("AUDI", "Audi", "FAW-VW")).unwrap()
    clock = FixedClock(pendulum.datetime(2026, 11, 1, tz="UTC"))
    org.open_store(uow, org.OpenStore("SH01", "SH", "EAST", "Asia/Shanghai", ("AUDI",)), clock)
    for rule in default_rules():
        uow.authority.put(rule)
    for staff_id, name, role, store in ROSTER:
        cmd = org.AddStaff(staff_id, name, (role,), store, store is None)
        org.add_staff(uow, cmd).unwrap()
    return uow


def add(
    uow: FakeUnitOfWork, clock: FixedClock, kind: PriceKind, price: str, **kw: Any
) -> Result[PriceScheme, DomainError]:
    scope = str(kw.pop("scope", "group"))
    cmd = svc.AddPriceScheme(kind=kind, scope=scope, brand="AUDI", price=price, model="A6L", **kw)
    return svc.add_price_scheme(uow, cmd, clock, uow.scheme_ids)  # type: ignore[attr-defined]


def add_part(uow: FakeUnitOfWork, number: str, list_price: str, unit: str | None = None) -> None:
    cmd = inv.AddPart(number, number, "ACC", list_price, "1", business_unit_id=unit)
    inv.add_part(uow, cmd).unwrap()


def line(uow: FakeUnitOfWork, clock: FixedClock, cmd: svc.AddQuoteLine) -> Quote:
    return svc.add_quote_line(uow, cmd, clock, IDS).unwrap()
