"""Imperative mapping of the vehicles aggregate (optimistic locking on ``version``)."""

from __future__ import annotations

from sqlalchemy.orm import foreign, registry, relationship

from fours_adapters.sql.vehicles import tables as t
from fours_domain.vehicles import model as m


def map_vehicles(reg: registry) -> None:
    reg.map_imperatively(m.HistoryEntry, t.history)
    reg.map_imperatively(m.PdiInspection, t.inspections)
    reg.map_imperatively(
        m.Vehicle,
        t.vehicles,
        version_id_col=t.vehicles.c.version,
        properties={
            # Joined on the VIN alone: a car's history stays where each step happened.
            "history": relationship(
                m.HistoryEntry,
                primaryjoin=t.vehicles.c.vin == foreign(t.history.c.vin),
                order_by=t.history.c.seq,
                cascade="all, delete-orphan",
                lazy="selectin",
                passive_deletes=False,
            ),
            "inspections": relationship(
                m.PdiInspection,
                primaryjoin=t.vehicles.c.vin == foreign(t.inspections.c.vin),
                order_by=t.inspections.c.number,
                cascade="all, delete-orphan",
                lazy="selectin",
            ),
        },
    )
