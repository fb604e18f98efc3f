import pytest
from returns.result import Success

from fours_adapters.bootstrap import FoursApp
from fours_domain.org import services as svc
from fours_domain.org.model import StoreOpened, WarehouseKind
from fours_domain.shared.events import DomainEvent
from fours_domain.shared.ids import StoreId


def _seed(app: FoursApp) -> None:
    svc.create_group(app.uow(), svc.CreateGroup("ACME", "Acme")).unwrap()
    svc.add_region(app.uow(), svc.AddRegion("EAST", "East")).unwrap()
    svc.add_business_unit(app.uow(), svc.AddBusinessUnit("PREMIUM", "Premium brands")).unwrap()
    svc.add_brand(app.uow(), svc.AddBrand("AUDI", "Audi", "FAW-VW")).unwrap()
    svc.add_brand(app.uow(), svc.AddBrand("BYD", "BYD", "BYD Auto")).unwrap()


def test_store_with_places_round_trips(app: FoursApp) -> None:
    seen: list[DomainEvent] = []
    app.handlers.append(seen.append)
    _seed(app)
    cmd = svc.OpenStore("SH01", "上海奥迪", "EAST", "Asia/Shanghai", ("AUDI", "BYD"), "PREMIUM")
    assert isinstance(svc.open_store(app.uow(), cmd, app.clock), Success)
    assert [type(e) for e in seen] == [StoreOpened]
    svc.add_showroom(app.uow(), svc.AddShowroom("SH01", "MAIN", "主展厅")).unwrap()
    svc.add_warehouse(app.uow(), svc.AddWarehouse("SH01", "W1", "配件库")).unwrap()
    svc.add_warehouse(
        app.uow(), svc.AddWarehouse("SH01", "YARD", "车库", WarehouseKind.VEHICLES)
    ).unwrap()
    for bin_code in ("A-02", "A-01"):
        svc.add_bin(app.uow(), svc.AddBin("SH01", "W1", bin_code)).unwrap()

    with app.uow() as uow:
        store = uow.org.get_store(StoreId("SH01"))
        assert store is not None
        assert store.name == "上海奥迪" and store.time_zone.name == "Asia/Shanghai"
        assert store.brands == {"AUDI", "BYD"} and store.business_unit_id == "PREMIUM"
        assert [s.code for s in store.showrooms] == ["MAIN"]
        assert [(w.code, w.kind) for w in store.warehouses] == [
            ("W1", WarehouseKind.PARTS),
            ("YARD", WarehouseKind.VEHICLES),
        ]
        assert [b.code for b in store.warehouses[0].bins] == ["A-01", "A-02"]


def test_uncommitted_work_is_rolled_back(app: FoursApp) -> None:
    _seed(app)
    svc.open_store(
        app.uow(), svc.OpenStore("S1", "S", "EAST", "UTC", ("AUDI",)), app.clock
    ).unwrap()
    with app.uow() as uow:
        store = uow.org.get_store(StoreId("S1"))
        assert store is not None
        store.add_warehouse("W9", "never committed").unwrap()
    with app.uow() as uow:
        store = uow.org.get_store(StoreId("S1"))
        assert store is not None and store.warehouses == []


def test_duplicate_refused_in_the_database_too(app: FoursApp) -> None:
    _seed(app)
    first = svc.open_store(app.uow(), svc.OpenStore("S1", "S", "EAST", "UTC", ("AUDI",)), app.clock)
    again = svc.open_store(app.uow(), svc.OpenStore("s1", "S", "EAST", "UTC", ("AUDI",)), app.clock)
    assert isinstance(first, Success)
    assert again.failure().message == "store S1 already exists"


@pytest.mark.parametrize("region", [None, "EAST"])
def test_list_stores(app: FoursApp, region: str | None) -> None:
    _seed(app)
    for code in ("B2", "A1"):
        svc.open_store(
            app.uow(), svc.OpenStore(code, code, "EAST", "UTC", ("AUDI",)), app.clock
        ).unwrap()
    with app.uow() as uow:
        assert [s.id for s in uow.org.list_stores(region)] == ["A1", "B2"]  # type: ignore[arg-type]


def test_refused_bins_leave_no_rows(app: FoursApp) -> None:
    _seed(app)
    cmd = svc.OpenStore("S1", "S", "EAST", "UTC", ("AUDI",))
    svc.open_store(app.uow(), cmd, app.clock).unwrap()
    svc.add_warehouse(app.uow(), svc.AddWarehouse("S1", "W1", "Parts")).unwrap()
    svc.add_bins(app.uow(), svc.AddBins("S1", "W1", ("A-01", "A-02"))).unwrap()
    refused = svc.add_bins(app.uow(), svc.AddBins("S1", "W1", ("A-03", "A-02", "A-04")))
    assert refused.failure().code == "already_exists"
    with app.uow() as uow:
        store = uow.org.get_store(StoreId("S1"))
        assert store is not None
        assert [b.code for b in store.warehouses[0].bins] == ["A-01", "A-02"]


def test_companies_round_trip_and_stores_belong_to_one(app: FoursApp) -> None:
    _seed(app)
    company = svc.AddCompany("acme-sh", "上海安驰汽车销售有限公司", "91310115MA1H7XXX08")
    assert svc.add_company(app.uow(), company).unwrap().id == "ACME-SH"
    twin = svc.add_company(app.uow(), svc.AddCompany("OTHER", "x", "91310115MA1H7XXX08"))
    assert twin.failure().message == "USCC (company ACME-SH) 91310115MA1H7XXX08 already exists"
    bad = svc.add_company(app.uow(), svc.AddCompany("BAD", "x", "91310115MA1H7XXX09"))
    assert bad.failure().code == "invalid_identifier"
    opened = svc.OpenStore("SH01", "x", "EAST", "Asia/Shanghai", ("AUDI",), None, "ACME-SH")
    svc.open_store(app.uow(), opened, app.clock).unwrap()
    svc.open_store(
        app.uow(), svc.OpenStore("SH02", "y", "EAST", "Asia/Shanghai", ("AUDI",)), app.clock
    ).unwrap()
    unknown = svc.set_store_company(app.uow(), svc.SetStoreCompany("SH02", "NOPE"))
    assert unknown.failure().message == "company NOPE not found"
    svc.set_store_company(app.uow(), svc.SetStoreCompany("sh02", "acme-sh")).unwrap()
    with app.uow() as uow:
        stores = {s.id: s.company_id for s in uow.org.list_stores()}
        assert stores == {"SH01": "ACME-SH", "SH02": "ACME-SH"}
        (found,) = uow.org.list_companies()
        assert (found.name, found.uscc.value) == ("上海安驰汽车销售有限公司", "91310115MA1H7XXX08")
