"""Manufacturer price lists into price schemes, on SQLite and PostgreSQL."""

from __future__ import annotations

import io

from fours_adapters.bootstrap import FoursApp
from fours_adapters.dms.binding import BindingContext, bound_appliers
from fours_adapters.dms.spreadsheet import CsvFeed, builtin_mapping
from fours_domain.dms.ports import Document, FeedWarning, Rejection
from fours_domain.dms.records import RecordKind
from fours_domain.dms.services import ImportDocument, ImportSummary, import_document
from fours_domain.org import services as org
from fours_domain.pricing.model import PriceKind
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
    assert (summary.created, summary.rejected) == (2, 2)
    assert [(r.location.line, r.location.field) for r in rejects.rejections] == [
        (5, "kind"),  # unknown price kind: rejected by the reader
        (4, "kind"),  # invoice prices are costs: refused by the applier
    ]
    with app.uow() as uow:
        schemes = uow.price_schemes.list()
        assert {s.kind for s in schemes} == {PriceKind.MSRP, PriceKind.FLOOR}
        assert {str(s.price.amount) for s in schemes} == {"429800.00", "399800.00"}
    resent = run(app, data.replace(b"2026-12-31", b"2026-12-31 "), Rejects())
    assert isinstance(resent, ImportSummary)
    assert (resent.created, resent.unchanged) == (0, 2)
    changed = Rejects()
    moved = run(app, data.replace(b"399800", b"389800"), changed)
    assert isinstance(moved, ImportSummary) and moved.unchanged == 1
    assert any("does not change it to 389800" in r.reason for r in changed.rejections)


def test_a_price_of_an_unknown_brand_is_rejected_not_stored(app: FoursApp) -> None:
    org.create_group(app.uow(), org.CreateGroup("ACME", "Acme")).unwrap()
    data = (HEADER + "NOPE,A6L,45TFSI,,厂家指导价,429800,2026-12-01,\n").encode("gbk")
    rejects = Rejects()
    summary = run(app, data, rejects)
    assert isinstance(summary, ImportSummary) and (summary.created, summary.rejected) == (0, 1)
    assert [r.reason for r in rejects.rejections] == ["brand NOPE not found"]
    with app.uow() as uow:
        assert uow.price_schemes.list() == []
