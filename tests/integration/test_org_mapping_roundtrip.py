"""The org mapper round-trips generated organisation trees on SQLite and PostgreSQL."""

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from fours_adapters.bootstrap import bootstrap
from fours_domain.org.model import Group, StaffMember, Store
from fours_domain.shared.ids import StoreId
from fours_domain.testing import strategies as fs
from tests.conftest import _wipe


def _snapshot(store: Store) -> dict[str, Any]:
    return {
        "id": store.id,
        "name": store.name,
        "region": store.region_id,
        "zone": store.time_zone,
        "unit": store.business_unit_id,
        "company": store.company_id,
        "brands": store.brands,
        "showrooms": sorted((s.code, s.name) for s in store.showrooms),
        "warehouses": sorted(
            (w.code, w.name, w.kind, tuple(sorted(b.code for b in w.bins)))
            for w in store.warehouses
        ),
    }


@settings(max_examples=15, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tree=fs.org_trees())
def test_generated_org_trees_round_trip(engine: Engine, tree: fs.OrgTree) -> None:
    _wipe(engine)
    app = bootstrap(engine=engine)
    expected = {store.id: _snapshot(store) for store in tree.stores}
    with app.uow() as uow:
        uow.org.add_group(Group("G", "Group"))
        for region in tree.regions:
            uow.org.add_region(region)
        for unit in tree.business_units:
            uow.org.add_business_unit(unit)
        for brand in tree.brands:
            uow.org.add_brand(brand)
        for company in tree.companies:
            uow.org.add_company(company)
        for store in tree.stores:
            uow.org.add_store(store)
        uow.commit()
    companies = sorted((c.id, c.name, c.uscc) for c in tree.companies)
    with app.uow() as uow:
        loaded = {store.id: _snapshot(store) for store in uow.org.list_stores()}
        assert sorted((c.id, c.name, c.uscc) for c in uow.org.list_companies()) == companies
    assert loaded == expected


@settings(max_examples=15, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(members=st.lists(fs.staff_members(), max_size=5, unique_by=lambda m: m.id))
def test_the_staff_roster_round_trips(engine: Engine, members: list[StaffMember]) -> None:
    _wipe(engine)
    app = bootstrap(engine=engine)
    expected = {m.id: (m.name, sorted(str(g) for g in m.grants)) for m in members}
    with app.uow() as uow:
        for member in members:
            uow.org.add_staff(member)
        uow.commit()
    with app.uow() as uow:
        loaded = {m.id: (m.name, sorted(str(g) for g in m.grants)) for m in uow.org.list_staff()}
        at_s1 = {m.id for m in uow.org.list_staff(StoreId("S1"))}
    assert loaded == expected
    assert at_s1 == {m.id for m in members if m.roles_at(StoreId("S1"))}
