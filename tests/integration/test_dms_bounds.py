"""The audit's out-of-range values, on SQLite and PostgreSQL: each rejects its row, located,
and the good rows import — never a driver error, never a whole document refused
(ADR 0062)."""

from __future__ import annotations

import io

import pytest

from fours_adapters.bootstrap import FoursApp
from fours_adapters.dms.binding import BindingContext, bound_appliers
from fours_adapters.dms.spreadsheet import CsvFeed, builtin_mapping
from fours_adapters.dms.testing import CollectedRejects
from fours_domain.dms.ports import Document
from fours_domain.dms.records import RecordKind
from fours_domain.dms.services import ImportDocument, ImportSummary, import_document
from fours_domain.org import services as org

HUGE = "99999999999999999999999.99"


def run(app: FoursApp, kind: RecordKind, text: str, strict: bool = False) -> CollectedRejects:
    rejects = CollectedRejects()
    context = BindingContext("csv", {}, "SH01")
    result = import_document(
        app.uow(),
        CsvFeed(builtin_mapping("generic")),
        bound_appliers(context)[kind],
        ImportDocument(Document("f.csv", lambda: io.BytesIO(text.encode())), kind, strict=strict),
        clock=app.clock,
        ids=app.ids,
        rejects=rejects,
    )
    summary = result.unwrap()
    assert isinstance(summary, ImportSummary) and (summary.created, summary.rejected) == (1, 1)
    return rejects


@pytest.mark.parametrize("strict", [False, True], ids=["arrow", "records"])
@pytest.mark.parametrize(
    ("row", "field"),
    [(f"A-1,Filter,{HUGE},1.00", "retail_price"), ("A-1," + "名" * 3000 + ",1.00,1.00", "name")],
    ids=["huge-price", "3000-char-name"],
)
def test_part_prices_out_of_range_reject_their_row(
    app: FoursApp, strict: bool, row: str, field: str
) -> None:
    rejects = run(
        app,
        RecordKind.PART_PRICES,
        f"part_number,name,retail_price,dealer_price\n{row}\nA-2,Pads,1.00,1.00\n",
        strict,
    )
    [rejection] = rejects.rejections
    assert (rejection.location.line, rejection.location.field) == (2, field)


def test_a_vehicle_with_a_huge_invoice_price_rejects_its_row(app: FoursApp) -> None:
    org.create_group(app.uow(), org.CreateGroup("ACME", "Acme")).unwrap()
    org.add_region(app.uow(), org.AddRegion("EAST", "East")).unwrap()
    org.add_brand(app.uow(), org.AddBrand("AUDI", "Audi", "FAW-VW")).unwrap()
    org.open_store(
        app.uow(), org.OpenStore("SH01", "SH", "EAST", "Asia/Shanghai", ("AUDI",)), app.clock
    ).unwrap()
    rejects = run(
        app,
        RecordKind.VEHICLE_INVENTORY,
        "vin,brand,model,state,invoice_price\n"
        f"LFV3A28K4T3000001,AUDI,A6L,IN_TRANSIT,{HUGE}\n"
        "LFV3A28K6T3000002,AUDI,A6L,IN_TRANSIT,399800.00\n",
    )
    [rejection] = rejects.rejections
    assert (rejection.location.line, rejection.location.field) == (2, "invoice_price")
    assert "exceeds the maximum amount" in rejection.reason
