"""Migrations and mapping: the migrated schema is exactly the mapped metadata."""

import subprocess
import sys
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine

from fours_adapters.sql.metadata import metadata
from fours_adapters.sql.migrate import status
from fours_adapters.sql.tables import import_all_tables

import_all_tables()


def test_migrations_match_the_metadata(engine: Engine) -> None:
    import_all_tables()
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []


def test_status_is_up_to_date(engine: Engine) -> None:
    current = status(engine)
    assert current.up_to_date and current.current == current.head


FRESH_PROCESS = """
import sys
from sqlalchemy.orm import class_mapper

from fours_adapters.bootstrap import bootstrap
from fours_adapters.sql.mapping import start_mappers
from fours_domain.org import services
from fours_domain.org.model import Region

assert "fours_adapters.sql.org.mapping" not in sys.modules  # nothing mapped at import
start_mappers()
start_mappers()
first = bootstrap(sys.argv[1])
second = bootstrap(sys.argv[1])  # maps again: must be a no-op
first.upgrade_schema()
services.create_group(first.uow(), services.CreateGroup("G", "Group")).unwrap()
services.add_region(second.uow(), services.AddRegion("EAST", "East")).unwrap()
with first.uow() as uow:
    region = uow.org.get_region("EAST")
    assert region is not None and region.name == "East"
assert len([m for m in class_mapper(Region).registry.mappers if m.class_ is Region]) == 1
print("ok")
"""


def test_start_mappers_is_idempotent_in_a_fresh_process(tmp_path: Path) -> None:
    # In this process conftest has mapped already; only a new interpreter starts unmapped.
    done = subprocess.run(
        [sys.executable, "-c", FRESH_PROCESS, f"sqlite:///{tmp_path / 'fresh.db'}"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
