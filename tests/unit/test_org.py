import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st
from returns.result import Failure, Success

from fours_domain.org import services as svc
from fours_domain.org.model import (
    Brand,
    MasterDataScope,
    Region,
    RoleNotHeld,
    StaffMember,
    Store,
    StoreOpened,
    WarehouseKind,
    user_id,
)
from fours_domain.shared.errors import AlreadyExists, InvariantViolation, NotFound
from fours_domain.shared.ids import BusinessUnitId, StoreId
from fours_domain.shared.time import FixedClock, StoreTimeZone
from fours_domain.testing import strategies as fs
from fours_domain.testing.fakes import FakeUnitOfWork

AT = pendulum.datetime(2026, 1, 1, tz="UTC")


def _store() -> Store:
    return Store.open(
        store_id="sh01",
        name="Shanghai Audi",
        region=Region("east", "East"),
        time_zone=StoreTimeZone("Asia/Shanghai"),
        brands=[Brand("audi", "Audi", "FAW-VW")],
        business_unit=None,
        at=AT,
    )


def test_store_opens_with_brands_and_records_an_event() -> None:
    store = _store()
    assert store.id == "SH01" and store.sells("AUDI")  # type: ignore[arg-type]
    assert store.pull_events() == [StoreOpened(occurred_at=AT, store_id="SH01", region_id="EAST")]  # type: ignore[arg-type]
    assert store.pull_events() == []


def test_store_needs_a_brand() -> None:
    with pytest.raises(InvariantViolation, match="at least one brand"):
        Store.open(
            store_id="X",
            name="X",
            region=Region("E", "E"),
            time_zone=StoreTimeZone("UTC"),
            brands=[],
            business_unit=None,
            at=AT,
        )


def test_places_are_unique_and_bins_need_their_warehouse() -> None:
    store = _store()
    assert isinstance(store.add_warehouse("w1", "Parts"), Success)
    assert isinstance(store.add_warehouse("W1", "Again").failure(), AlreadyExists)
    assert isinstance(store.add_bin("W9", "A1").failure(), NotFound)
    assert store.add_bin("w1", "a1").unwrap().code == "A1"
    assert isinstance(store.add_bin("W1", "A1").failure(), AlreadyExists)
    assert store.locate("w1", "A1").unwrap().code == "A1"
    assert store.locate("W1", "B2").failure().message == "bin in SH01/W1 B2 not found"


def test_master_data_scope() -> None:
    east = BusinessUnitId("EAST")
    assert MasterDataScope.group().covers(east) and MasterDataScope.group().covers(None)
    assert MasterDataScope(east).covers(east) and not MasterDataScope(east).covers(None)
    assert MasterDataScope.from_key(MasterDataScope(east).key) == MasterDataScope(east)


@given(fs.org_trees())
def test_generated_org_trees_hold_their_invariants(tree: fs.OrgTree) -> None:
    for store in tree.stores:
        assert store.brands and store.brands <= {b.code for b in tree.brands}
        for warehouse in store.warehouses:
            assert len({b.code for b in warehouse.bins}) == len(warehouse.bins) >= 1


def test_services_with_fake_unit_of_work() -> None:
    uow = FakeUnitOfWork()
    clock = FixedClock(AT)
    assert isinstance(svc.add_region(uow, svc.AddRegion("E", "East")).failure(), NotFound)
    svc.create_group(uow, svc.CreateGroup("acme", "Acme")).unwrap()
    assert isinstance(svc.create_group(uow, svc.CreateGroup("x", "X")).failure(), AlreadyExists)
    svc.add_region(uow, svc.AddRegion("e", "East")).unwrap()
    svc.add_brand(uow, svc.AddBrand("audi", "Audi", "FAW-VW")).unwrap()
    missing = svc.open_store(uow, svc.OpenStore("S1", "S", "E", "Asia/Shanghai", ("BMW",)), clock)
    assert missing.failure().message == "brand BMW not found"
    store = svc.open_store(uow, svc.OpenStore("s1", "S", "e", "Asia/Shanghai", ("audi",)), clock)
    assert isinstance(store, Success)
    assert [type(e) for e in uow.published] == [StoreOpened]
    bad = svc.open_store(uow, svc.OpenStore("s 2", "S", "e", "Asia/Shanghai", ("audi",)), clock)
    assert isinstance(bad.failure(), InvariantViolation)
    svc.add_warehouse(uow, svc.AddWarehouse("S1", "W1", "Parts", WarehouseKind.PARTS)).unwrap()
    assert svc.add_bin(uow, svc.AddBin("S1", "W1", "A1")).unwrap().code == "A1"
    assert isinstance(svc.add_bin(uow, svc.AddBin("S9", "W1", "A1")), Failure)
    assert [b.code for b in uow.org.stores["S1"].warehouses[0].bins] == ["A1"]  # type: ignore[index]


def test_failed_command_leaves_nothing_behind() -> None:
    uow = FakeUnitOfWork()
    svc.create_group(uow, svc.CreateGroup("acme", "Acme")).unwrap()
    svc.add_region(uow, svc.AddRegion("e", "East")).unwrap()
    svc.add_brand(uow, svc.AddBrand("audi", "Audi", "FAW-VW")).unwrap()
    svc.open_store(uow, svc.OpenStore("s1", "S", "e", "UTC", ("audi",)), FixedClock(AT)).unwrap()
    assert isinstance(svc.add_warehouse(uow, svc.AddWarehouse("S1", "W1", "P")), Success)
    assert isinstance(svc.add_warehouse(uow, svc.AddWarehouse("S1", "W1", "P")), Failure)
    assert len(uow.org.stores["S1"].warehouses) == 1  # type: ignore[index]


STORES = ("SH01", "SH02", "GZ01")
GRANTS = st.lists(
    st.tuples(
        st.sampled_from(["SALES", "SALES_MANAGER", "GM", "CASHIER"]),
        st.sampled_from([*STORES, None]),
    ),
    max_size=8,
)


@given(GRANTS, st.sampled_from(STORES), st.sampled_from(["SALES", "GM", "sales_manager"]))
def test_a_member_acts_only_in_roles_held_at_that_store(
    grants: list[tuple[str, str | None]], store: str, asked: str
) -> None:
    member = StaffMember("li.na", "李娜")
    for role, at in grants:
        member.grant(role, None if at is None else StoreId(at))
    held = {role for role, at in grants if at in (None, store)}
    assert member.roles_at(StoreId(store)) == held
    match member.acting_as(asked, StoreId(store)):
        case Success(roles):
            assert roles == {asked.upper()} and asked.upper() in held
        case Failure(refusal):
            assert isinstance(refusal, RoleNotHeld) and asked.upper() not in held
            assert f"at store {store}" in refusal.message
    match member.acting_as(None, StoreId(store)):
        case Success(roles):
            assert roles == held and held
        case Failure(refusal):
            assert not held and "holds no role" in refusal.message


def test_staff_ids_are_login_codes() -> None:
    assert user_id(" Li.Na ") == "li.na"
    for bad in ("", " ", "li na", "王店长", "x" * 65):
        with pytest.raises(InvariantViolation):
            user_id(bad)


def test_the_roster_service_adds_grants_and_revokes() -> None:
    uow = FakeUnitOfWork()
    svc.create_group(uow, svc.CreateGroup("acme", "Acme")).unwrap()
    svc.add_region(uow, svc.AddRegion("east", "East")).unwrap()
    svc.add_brand(uow, svc.AddBrand("audi", "Audi", "FAW")).unwrap()
    svc.open_store(
        uow, svc.OpenStore("sh01", "SH", "east", "Asia/Shanghai", ("audi",)), FixedClock(AT)
    )
    added = svc.add_staff(uow, svc.AddStaff("Li.Na", "李娜", ("sales",), "sh01")).unwrap()
    assert [str(g) for g in added.grants] == ["SALES@SH01"]
    assert isinstance(svc.add_staff(uow, svc.AddStaff("li.na", "x")).failure(), AlreadyExists)
    svc.grant_role(uow, svc.GrantRole("li.na", "gm", group_wide=True)).unwrap()
    twice = svc.grant_role(uow, svc.GrantRole("li.na", "GM", group_wide=True)).failure()
    assert isinstance(twice, AlreadyExists)
    assert [m.id for m in uow.org.list_staff(StoreId("SH01"))] == ["li.na"]
    svc.revoke_role(uow, svc.RevokeRole("li.na", "GM", group_wide=True)).unwrap()
    unknown = svc.grant_role(uow, svc.GrantRole("nobody", "GM", group_wide=True)).failure()
    assert isinstance(unknown, NotFound)
    scoped_without_role = svc.add_staff(uow, svc.AddStaff("wu", "吴", (), "SH01")).failure()
    assert isinstance(scoped_without_role, InvariantViolation)
