"""Row counts of every fours table: "a refused document changed nothing" in one comparison."""

from __future__ import annotations

from sqlalchemy import Engine, func, select

from fours_adapters.sql.metadata import metadata
from fours_adapters.sql.tables import import_all_tables


def row_counts(engine: Engine) -> dict[str, int]:
    import_all_tables()
    with engine.connect() as conn:
        return {
            table.name: conn.execute(select(func.count()).select_from(table)).scalar_one()
            for table in metadata.sorted_tables
        }
