"""Imperative mapping of rebate claims (policies and sales facts go through Core)."""

from __future__ import annotations

from sqlalchemy.orm import registry, relationship

from fours_adapters.sql.rebates import tables as t
from fours_domain.rebates import model as m


def map_rebates(reg: registry) -> None:
    reg.map_imperatively(m.Accrual, t.accruals)
    reg.map_imperatively(m.Settlement, t.settlements)
    reg.map_imperatively(
        m.RebateClaim,
        t.claims,
        properties={
            "accruals": relationship(
                m.Accrual,
                cascade="all, delete-orphan",
                order_by=t.accruals.c.vin,
                lazy="selectin",
            ),
            "settlements": relationship(
                m.Settlement,
                cascade="all, delete-orphan",
                order_by=t.settlements.c.seq,
                lazy="selectin",
            ),
        },
    )
