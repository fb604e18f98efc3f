"""SQL repository of the organisation context."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from fours_adapters.sql.org import tables as t
from fours_domain.org.model import (
    GROUP_WIDE,
    Brand,
    BusinessUnit,
    Company,
    Group,
    Region,
    StaffMember,
    Store,
)
from fours_domain.shared.ids import (
    BrandCode,
    BusinessUnitId,
    CompanyId,
    RegionId,
    StoreId,
    UserId,
)


class SqlOrgRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def get_group(self) -> Group | None:
        return self._session.scalars(select(Group).limit(1)).first()

    def add_group(self, group: Group) -> None:
        self._session.add(group)

    def get_region(self, region_id: RegionId) -> Region | None:
        return self._session.get(Region, region_id)

    def add_region(self, region: Region) -> None:
        self._session.add(region)

    def list_regions(self) -> Sequence[Region]:
        return self._session.scalars(select(Region).order_by(Region.id)).all()

    def get_business_unit(self, unit_id: BusinessUnitId) -> BusinessUnit | None:
        return self._session.get(BusinessUnit, unit_id)

    def add_business_unit(self, unit: BusinessUnit) -> None:
        self._session.add(unit)

    def list_business_units(self) -> Sequence[BusinessUnit]:
        return self._session.scalars(select(BusinessUnit).order_by(BusinessUnit.id)).all()

    def get_company(self, company_id: CompanyId) -> Company | None:
        return self._session.get(Company, company_id)

    def add_company(self, company: Company) -> None:
        self._session.add(company)

    def list_companies(self) -> Sequence[Company]:
        return self._session.scalars(select(Company).order_by(t.companies.c.id)).all()

    def get_brand(self, brand_code: BrandCode) -> Brand | None:
        return self._session.get(Brand, brand_code)

    def add_brand(self, brand: Brand) -> None:
        self._session.add(brand)

    def list_brands(self) -> Sequence[Brand]:
        return self._session.scalars(select(Brand).order_by(Brand.code)).all()

    def get_store(self, store_id: StoreId) -> Store | None:
        return self._session.get(Store, store_id)

    def add_store(self, store: Store) -> None:
        self._session.add(store)

    def list_stores(self, region_id: RegionId | None = None) -> Sequence[Store]:
        query = select(Store).order_by(Store.id)
        if region_id is not None:
            query = query.where(t.stores.c.region_id == region_id)
        return self._session.scalars(query).all()

    def get_staff(self, staff_id: UserId) -> StaffMember | None:
        return self._session.get(StaffMember, staff_id)

    def add_staff(self, member: StaffMember) -> None:
        self._session.add(member)

    def list_staff(self, store_id: StoreId | None = None) -> Sequence[StaffMember]:
        query = select(StaffMember).order_by(t.staff.c.id)
        if store_id is not None:
            r = t.staff_roles.c
            query = query.where(
                exists().where(r.staff_id == t.staff.c.id, r.scope.in_([store_id, GROUP_WIDE]))
            )
        return self._session.scalars(query).all()
