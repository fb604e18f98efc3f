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
from fours_domain.shared.errors import AlreadyExists, DuplicateInput, InvariantViolation, NotFound
from fours_domain.shared.ids import BusinessUnitId, StoreId
from fours_domain.shared.time import FixedClock, StoreTimeZone
from fours_domain.testing import strategies as fs
from fours_domain.testing.fakes import FakeUnitOfWork

AT = pendulum.datetime(2026, 1, 1, tz="UTC")


AUDI = Brand("audi", "Audi", "FAW-VW")


def _store(brands: tuple[Brand, ...] = (AUDI,)) -> Store:
    return Store.open(
        store_id="sh01",
        name="Shanghai Audi",
        region=Region("east", "East"),
        time_zone=StoreTimeZone("Asia/Shanghai"),
        brands=list(brands),
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


def _group_with_store(store: bool = True) -> FakeUnitOfWork:
    """A fake unit of work holding group ACME, region E, brand AUDI and (maybe) store S1."""
    uow = FakeUnitOfWork()
    svc.create_group(uow, svc.CreateGroup("acme", "Acme")).unwrap()
    svc.add_region(uow, svc.AddRegion("e", "East")).unwrap()
    svc.add_brand(uow, svc.AddBrand("audi", "Audi", "FAW-VW")).unwrap()
    if store:
        cmd = svc.OpenStore("s1", "S", "e", "UTC", ("audi",))
        svc.open_store(uow, cmd, FixedClock(AT)).unwrap()
    return uow


def test_failed_command_leaves_nothing_behind() -> None:
    uow = _group_with_store()
    assert isinstance(svc.add_warehouse(uow, svc.AddWarehouse("S1", "W1", "P")), Success)
    assert isinstance(svc.add_warehouse(uow, svc.AddWarehouse("S1", "W1", "P")), Failure)
    assert len(uow.org.stores["S1"].warehouses) == 1  # type: ignore[index]


def _store_with_bins(*bins: str) -> Store:
    store = _store()
    store.add_warehouse("W1", "Parts").unwrap()
    if bins:
        store.add_bins("W1", list(bins)).unwrap()
    return store


def _bins(store: Store) -> list[str]:
    return [b.code for b in store.warehouses[0].bins]


def test_add_bins_is_all_or_nothing() -> None:
    store = _store_with_bins("A-01")
    refused = store.add_bins("W1", ["A-03", "a-01", "A-04"])
    assert refused.failure() == AlreadyExists("bin in SH01/W1", "A-01")
    assert _bins(store) == ["A-01"]
    repeated = store.add_bins("w1", ["A-03", "A-04", "a-03"])
    assert repeated.failure() == DuplicateInput("bin", "A-03", "SH01/W1")
    assert repeated.failure().as_dict()["error"] == "duplicate_input"
    assert _bins(store) == ["A-01"]
    assert [b.code for b in store.add_bins("W1", ["A-03", "A-04"]).unwrap()] == ["A-03", "A-04"]
    assert _bins(store) == ["A-01", "A-03", "A-04"]
    with pytest.raises(InvariantViolation, match="bin code"):
        store.add_bins("W1", ["A-05", "not ok"])
    assert _bins(store) == ["A-01", "A-03", "A-04"]


@given(
    st.lists(fs.codes("A"), max_size=4, unique=True),
    st.lists(fs.codes("A"), min_size=1, max_size=5),
)
def test_add_bins_adds_every_bin_or_changes_nothing(existing: list[str], wanted: list[str]) -> None:
    store = _store_with_bins(*existing)
    outcome = store.add_bins("W1", wanted)
    if len(set(wanted)) == len(wanted) and not set(wanted) & set(existing):
        assert isinstance(outcome, Success)
        assert _bins(store) == [*existing, *wanted]
    else:
        assert isinstance(outcome.failure(), AlreadyExists | DuplicateInput)
        assert _bins(store) == existing


def test_add_bins_service_commits_once_or_not_at_all() -> None:
    uow = _group_with_store()
    svc.add_warehouse(uow, svc.AddWarehouse("S1", "W1", "Parts")).unwrap()
    committed = uow.committed
    assert svc.add_bins(uow, svc.AddBins("S1", "W1", ("A-01", "A-02"))).unwrap()
    assert uow.committed == committed + 1
    refused = svc.add_bins(uow, svc.AddBins("S1", "W1", ("A-03", "A-01")))
    assert isinstance(refused.failure(), AlreadyExists) and uow.committed == committed + 1
    assert isinstance(svc.add_bins(uow, svc.AddBins("S1", "W9", ("A-05",))).failure(), NotFound)
    assert [b.code for b in uow.org.stores["S1"].warehouses[0].bins] == ["A-01", "A-02"]  # type: ignore[index]


def test_group_wide_master_data_need_the_group() -> None:
    uow = FakeUnitOfWork()
    for outcome in (
        svc.add_region(uow, svc.AddRegion("E", "East")),
        svc.add_brand(uow, svc.AddBrand("AUDI", "Audi", "FAW-VW")),
        svc.add_business_unit(uow, svc.AddBusinessUnit("PREMIUM", "Premium")),
    ):
        assert outcome.failure() == NotFound("group", "(none yet: create the group first)")
    assert uow.org.brands == {} and uow.org.regions == {} and uow.org.units == {}


def test_a_brand_named_twice_is_refused() -> None:
    uow = _group_with_store(store=False)
    twice = svc.OpenStore("s1", "S", "e", "UTC", ("AUDI", "audi"))
    assert svc.open_store(uow, twice, FixedClock(AT)).failure() == DuplicateInput(
        "brand", "AUDI", "store S1"
    )
    assert uow.org.stores == {}
    with pytest.raises(InvariantViolation, match="brand AUDI more than once"):
        _store(brands=(AUDI, AUDI))


@given(fs.social_credit_codes())
def test_companies_carry_a_checked_social_credit_code(code: object) -> None:
    from fours_domain.org.model import Company
    from fours_domain.shared.errors import InvalidIdentifier
    from fours_domain.shared.identifiers import SocialCreditCode

    assert isinstance(code, SocialCreditCode)
    company = Company(id=" acme-sh ", name="上海安驰", uscc=code.value.lower())
    assert (company.id, company.uscc) == ("ACME-SH", code)
    wrong = code.value[:-1] + ("0" if code.value[-1] != "0" else "1")
    with pytest.raises(InvalidIdentifier):
        Company(id="X", name="x", uscc=wrong)


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
