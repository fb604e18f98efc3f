"""Parts price files into the inventory catalogue, on SQLite and PostgreSQL."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import Engine

from fours_adapters.bootstrap import FoursApp
from fours_adapters.dms.binding import BindingContext, bound_appliers
from fours_adapters.dms.generate import parts_price_csv
from fours_adapters.dms.spreadsheet import CsvFeed, builtin_mapping
from fours_domain.dms.ports import Document, FeedWarning, ImportStatus, Rejection
from fours_domain.dms.records import RecordKind
from fours_domain.dms.services import ImportDocument, ImportSummary, import_document
from fours_domain.org.model import MasterDataScope
from fours_domain.shared.catalogue import PartNumber
from fours_domain.shared.errors import DomainError
from tests.tables import row_counts

PARTS = RecordKind.PART_PRICES
HEADER = "配件编号,配件名称,品牌,零售价,经销商价,单位,生效日期,配件类别\n"


class Rejects:
    def __init__(self) -> None:
        self.rejections: list[Rejection] = []

    def reject(self, rejection: Rejection) -> None:
        self.rejections.append(rejection)

    def warn(self, warning: FeedWarning) -> None:
        return None


def run(
    app: FoursApp, data: bytes, mapping: str = "cn-oem", rejects: Rejects | None = None
) -> ImportSummary | DomainError:
    result = import_document(
        app.uow(),
        CsvFeed(builtin_mapping(mapping)),
        bound_appliers(BindingContext("csv"))[PARTS],
        ImportDocument(Document("prices.csv", lambda: io.BytesIO(data)), PARTS, batch_size=3),
        clock=app.clock,
        ids=app.ids,
        rejects=rejects or Rejects(),
    )
    return result.value_or(None) or result.failure()


def part(app: FoursApp, number: str) -> tuple[str, str, str, str] | None:
    with app.uow() as uow:
        found = uow.parts.get(MasterDataScope.group(), PartNumber(number))
        if found is None:
            return None
        return (
            found.name,
            str(found.list_price.amount),
            str(found.cost_price.amount),
            found.part_class,
        )


def test_a_gbk_price_file_fills_the_catalogue_and_a_new_edition_updates_it(app: FoursApp) -> None:
    first = (
        HEADER
        + '4H0-698-151,前刹车片,AUDI,"1,299.50",980.00,套,2026-11-01,REPAIR\n'
        + "06L-115-562,机油滤清器,AUDI,88,61.60,个,2026-11-01,\n"
        + "8W0-819-439,空调滤芯,AUDI,268.00,,个,2026-11-01,\n"
        + "4K0-941-029,大灯,AUDI,100.00,50.00,个,2026-11-01,lower case!\n"
    ).encode("gbk")
    rejects = Rejects()
    summary = run(app, first, rejects=rejects)
    assert isinstance(summary, ImportSummary)
    assert (summary.created, summary.rejected) == (2, 2)
    assert [(r.location.line, r.location.field) for r in rejects.rejections] == [
        (4, "dealer_price"),
        (5, "part_class"),
    ]
    assert part(app, "4H0-698-151") == ("前刹车片", "1299.50", "980.00", "REPAIR")
    assert part(app, "06L-115-562") == ("机油滤清器", "88.00", "61.60", "UNCLASSIFIED")
    second = (
        HEADER
        + "4H0-698-151,前刹车片,AUDI,1299.50,980.00,套,2026-12-01,REPAIR\n"
        + "06L-115-562,机油滤清器(新),AUDI,92,,个,2026-12-01,\n"
        + "8W0-819-439,空调滤芯,AUDI,268.00,187.60,个,2026-12-01,\n"
    ).encode("utf-8-sig")
    summary = run(app, second)
    assert isinstance(summary, ImportSummary)
    assert (summary.created, summary.updated, summary.unchanged) == (1, 1, 1)
    assert part(app, "06L-115-562") == ("机油滤清器(新)", "92.00", "61.60", "UNCLASSIFIED")
    assert run(app, second).status is ImportStatus.DUPLICATE  # type: ignore[union-attr]


class _Counting:
    """The part-prices applier, counting the batches it applied."""

    def __init__(self, inner: object) -> None:
        self.inner = inner
        self.calls = 0
        self.batch_format = getattr(inner, "batch_format")  # noqa: B009

    @property
    def kind(self) -> RecordKind:
        return RecordKind.PART_PRICES

    def apply(self, uow: object, batch: object, at: object) -> object:
        self.calls += 1
        return self.inner.apply(uow, batch, at)  # type: ignore[attr-defined]

    def apply_batch(self, uow: object, batch: object, at: object) -> object:
        self.calls += 1
        return self.inner.apply_batch(uow, batch, at)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("strict", "rows"), [(True, 40), (False, 30_000)], ids=["records", "arrow"]
)
def test_a_document_refused_after_several_applied_batches_leaves_nothing(
    app: FoursApp, engine: Engine, strict: bool, rows: int
) -> None:
    good = b"".join(parts_price_csv(rows))
    # A cell over csv.field_size_limit(): the reader refuses the document at that line,
    # after the batches before it went to the database.
    data = good + b"P999999999," + b"x" * 200_000 + b",AUDI,1.00,1.00,x,2026-11-01\n"
    applier = _Counting(bound_appliers(BindingContext("csv"))[RecordKind.PART_PRICES])
    before = row_counts(engine)
    result = import_document(
        app.uow(),
        CsvFeed(builtin_mapping("generic")),
        applier,  # type: ignore[arg-type]
        ImportDocument(
            Document("big.csv", lambda: io.BytesIO(data)),
            RecordKind.PART_PRICES,
            strict=strict,
            batch_size=3,
        ),
        clock=app.clock,
        ids=app.ids,
        rejects=Rejects(),
    )
    refused = result.failure()
    assert "field larger than field limit" in refused.message
    assert applier.calls >= 2  # several batches were applied before the refusal …
    assert row_counts(engine) == before  # … and rolled back with it
    summary = run(app, good, "generic")
    assert isinstance(summary, ImportSummary) and summary.created == rows
    assert part(app, "P000000040") == ("配件40", "90.50", "72.00", "UNCLASSIFIED")
