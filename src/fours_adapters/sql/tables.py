"""Registry of every context's table module, so Alembic and tests see the whole schema."""

from __future__ import annotations

import importlib

TABLE_MODULES = (
    "fours_adapters.sql.org.tables",
    "fours_adapters.sql.pricing.tables",
    "fours_adapters.sql.rebates.tables",
    "fours_adapters.sql.vehicles.tables",
    "fours_adapters.sql.inventory.tables",
    "fours_adapters.sql.dms.tables",
    "fours_adapters.sql.events.tables",
)


def import_all_tables() -> None:
    for module in TABLE_MODULES:
        importlib.import_module(module)
