"""Manufacturer price lists into price schemes, on SQLite and PostgreSQL."""

from __future__ import annotations

import io

import pendulum

from fours_adapters.bootstrap import FoursApp
from fours_adapters.dms.binding import BindingContext, bound_appliers
from fours_adapters.dms.spreadsheet import CsvFeed, builtin_mapping
from fours_domain.dms.ports import Document, FeedWarning, Rejection
from fours_domain.dms.records import RecordKind
from fours_domain.dms.services import ImportDocument, ImportSummary, import_document
from fours_domain.org import services as org
from fours_domain.pricing import services as pricing
from fours_domain.pricing.model import PriceKind, SchemeId
from fours_domain.shared.catalogue import VehicleSpec
from fours_domain.shared.errors import DomainError

PRICES = RecordKind.PRICE_LIST
HEADER = "品牌,车型代码,配置代码,颜色代码,价格类型,价格,生效日期,失效日期\n"


class Rejects:
    def __init__(self) -> None:
        self.rejections: list[Rejection] = []

    def reject(self, rejection: Rejection) -> None:
        self.rejections.append(rejection)

    def warn(self, warning: FeedWarning) -> None:
        return None


def run(app: FoursApp, data: bytes, rejects: Rejects) -> ImportSummary | DomainError:
    result = import_document(
        app.uow(),
        CsvFeed(builtin_mapping("cn-oem")),
        bound_appliers(BindingContext("csv"))[PRICES],
        ImportDocument(Document("价格表.csv", lambda: io.BytesIO(data)), PRICES, batch_size=2),
        clock=app.clock,
        ids=app.ids,
        rejects=rejects,
    )
    return result.value_or(None) or result.failure()


def test_a_price_list_becomes_group_price_schemes(app: FoursApp) -> None:
    org.create_group(app.uow(), org.CreateGroup("ACME", "Acme")).unwrap()
    org.add_brand(app.uow(), org.AddBrand("AUDI", "Audi", "FAW")).unwrap()
    data = (
        HEADER
        + 'AUDI,A6L,45TFSI,,厂家指导价,"429,800.00",2026-12-01,2026-12-31\n'
        + "AUDI,A6L,45TFSI,,最低限价,399800,2026-12-01,\n"
        + "AUDI,A6L,45TFSI,,开票价,380000,2026-12-01,\n"
        + "AUDI,A6L,45TFSI,,秘密价,1,2026-12-01,\n"
    ).encode("gbk")
    rejects = Rejects()
    summary = run(app, data, rejects)
    assert isinstance(summary, ImportSummary)
    assert (summary.created, summary.ignored, summary.rejected) == (2, 1, 1)
    assert [(r.location.line, r.location.field) for r in rejects.rejections] == [
        (5, "kind"),  # unknown price kind: rejected by the reader
    ]
    with app.uow() as uow:
        schemes = uow.price_schemes.list()
        assert {s.kind for s in schemes} == {PriceKind.MSRP, PriceKind.FLOOR}
        assert {str(s.price.amount) for s in schemes} == {"429800.00", "399800.00"}
    resent = run(app, data.replace(b"2026-12-31", b"2026-12-31 "), Rejects())
    assert isinstance(resent, ImportSummary)
    assert (resent.created, resent.unchanged, resent.ignored) == (0, 2, 1)


def _floor_at(app: FoursApp, day: str) -> tuple[str, str]:
    year, month, date = (int(x) for x in day.split("-"))
    at = pendulum.datetime(year, month, date, 12, tz="Asia/Shanghai")
    sheet = pricing.resolve_prices(
        app.uow(),
        pricing.ResolvePrices("SH01", VehicleSpec("AUDI", "A6L", "45TFSI"), at),
        app.clock,
    ).unwrap()
    winner = sheet.of(PriceKind.FLOOR).winner
    assert winner is not None
    return winner.id, str(winner.price.amount)


def test_a_corrected_price_supersedes_the_scheme_and_says_so(app: FoursApp) -> None:
    org.create_group(app.uow(), org.CreateGroup("ACME", "Acme")).unwrap()
    org.add_region(app.uow(), org.AddRegion("EAST", "East")).unwrap()
    org.add_brand(app.uow(), org.AddBrand("AUDI", "Audi", "FAW")).unwrap()
    org.open_store(
        app.uow(), org.OpenStore("SH01", "SH", "EAST", "Asia/Shanghai", ("AUDI",)), app.clock
    ).unwrap()
    first = (HEADER + "AUDI,A6L,45TFSI,,最低限价,399800,2026-12-01,\n").encode("gbk")
    assert isinstance(run(app, first, Rejects()), ImportSummary)
    original, price = _floor_at(app, "2026-12-05")
    assert price == "399800.00"
    corrected = run(app, first.replace(b"399800", b"389800"), Rejects())
    assert isinstance(corrected, ImportSummary) and corrected.updated == 1
    winner, price = _floor_at(app, "2026-12-05")
    assert (winner, price) == (f"{original}-C2", "389800.00")
    with app.uow() as uow:
        kept = uow.price_schemes.get(SchemeId(original))
        correction = uow.price_schemes.get(SchemeId(winner))
        assert kept is not None and str(kept.price.amount) == "399800.00"  # immutable: kept
        assert correction is not None
        assert f"corrects {original}: 399800.00 → 389800.00" in correction.name
    again = run(app, first.replace(b"399800", b"379800"), Rejects())
    assert isinstance(again, ImportSummary) and again.updated == 1
    assert _floor_at(app, "2026-12-05") == (f"{original}-C3", "379800.00")
    same = run(app, first.replace(b"399800", b"379800") + b"\n", Rejects())
    assert isinstance(same, ImportSummary) and (same.unchanged, same.updated) == (1, 0)
    # A scheme of the price team in the way of the next correction: refused, field named.
    pricing.add_price_scheme(
        app.uow(),
        pricing.AddPriceScheme(
            PriceKind.FLOOR, "group", "AUDI", "369000", model="A6L", trim="45TFSI",
            priority=3, starts="2026-12-01", scheme_id="TEAM-FLOOR",
        ),
        app.clock,
        app.ids,
    ).unwrap()  # fmt: skip
    blocked = Rejects()
    refused = run(app, first.replace(b"399800", b"359800"), blocked)
    assert isinstance(refused, ImportSummary) and refused.rejected == 1
    [rejection] = blocked.rejections
    assert rejection.location.field == "valid_from" and "would tie with" in rejection.reason


def test_a_price_of_an_unknown_brand_is_rejected_not_stored(app: FoursApp) -> None:
    org.create_group(app.uow(), org.CreateGroup("ACME", "Acme")).unwrap()
    data = (HEADER + "NOPE,A6L,45TFSI,,厂家指导价,429800,2026-12-01,\n").encode("gbk")
    rejects = Rejects()
    summary = run(app, data, rejects)
    assert isinstance(summary, ImportSummary) and (summary.created, summary.rejected) == (0, 1)
    assert [r.reason for r in rejects.rejections] == ["brand NOPE not found"]
    with app.uow() as uow:
        assert uow.price_schemes.list() == []
