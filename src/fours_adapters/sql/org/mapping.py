"""Imperative mapping of the organisation aggregates."""

from __future__ import annotations

from sqlalchemy.orm import registry, relationship

from fours_adapters.sql.org import tables as t
from fours_domain.org import model as m


def map_org(reg: registry) -> None:
    reg.map_imperatively(m.Group, t.groups)
    reg.map_imperatively(m.Region, t.regions)
    reg.map_imperatively(m.BusinessUnit, t.business_units)
    reg.map_imperatively(m.Company, t.companies)
    reg.map_imperatively(m.Brand, t.brands)
    reg.map_imperatively(m.Franchise, t.franchises)
    reg.map_imperatively(m.Showroom, t.showrooms)
    reg.map_imperatively(m.Bin, t.bins)
    reg.map_imperatively(m.RoleGrant, t.staff_roles)
    reg.map_imperatively(
        m.StaffMember,
        t.staff,
        properties={
            "grants": relationship(
                m.RoleGrant,
                cascade="all, delete-orphan",
                order_by=(t.staff_roles.c.scope, t.staff_roles.c.role),
                lazy="selectin",
            )
        },
    )
    reg.map_imperatively(
        m.Warehouse,
        t.warehouses,
        properties={
            "bins": relationship(
                m.Bin, cascade="all, delete-orphan", order_by=t.bins.c.code, lazy="selectin"
            )
        },
    )
    reg.map_imperatively(
        m.Store,
        t.stores,
        properties={
            "franchises": relationship(
                m.Franchise,
                cascade="all, delete-orphan",
                order_by=t.franchises.c.brand_code,
                lazy="selectin",
            ),
            "showrooms": relationship(
                m.Showroom,
                cascade="all, delete-orphan",
                order_by=t.showrooms.c.code,
                lazy="selectin",
            ),
            "warehouses": relationship(
                m.Warehouse,
                cascade="all, delete-orphan",
                order_by=t.warehouses.c.code,
                lazy="selectin",
            ),
        },
    )
