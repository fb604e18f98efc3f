"""Shared fixtures: hypothesis profiles, SQLite and PostgreSQL engines, the app.

PostgreSQL: ``FOURS_TEST_PG_URL`` (default postgresql+psycopg://postgres@127.0.0.1:5432/test).
With ``CI=true`` an unreachable server fails the run; elsewhere the tests skip.
Each test session (and each xdist worker) works in its own schema, dropped at the end.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pendulum
import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy import Engine, text

from fours_adapters.bootstrap import FoursApp, bootstrap
from fours_adapters.sql.engine import make_engine
from fours_adapters.sql.mapping import start_mappers
from fours_adapters.sql.metadata import metadata
from fours_adapters.sql.migrate import upgrade
from fours_adapters.sql.tables import import_all_tables
from fours_domain.shared.ids import SequentialIdSource
from fours_domain.shared.time import FixedClock

# Domain objects built before the mappers start lack ORM instrumentation (and hypothesis
# builds them before any fixture runs), so map once for the whole session.
start_mappers()

settings.register_profile(
    "ci",
    max_examples=200,
    deadline=None,
    derandomize=True,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=60, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session", autouse=True)
def shared_left_untouched() -> Iterator[None]:
    """Fails the run when a test created, removed or modified anything under ../shared
    (the official STAR examples and schemas are read in place, never written beside)."""
    from tests.shared_guard import changes, snapshot

    root = SHARED.resolve()
    before = snapshot(root)
    yield
    found = changes(before, snapshot(root))
    if found:
        shown = "; ".join(found[:20]) + (f"; … {len(found) - 20} more" if len(found) > 20 else "")
        pytest.fail(
            f"tests wrote into {root}, which is read-only for the suite (use tmp_path or an "
            f"output option): {shown}",
            pytrace=False,
        )


def pg_url() -> str:
    return os.environ.get("FOURS_TEST_PG_URL", DEFAULT_PG_URL)


def _on_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.fixture(scope="session")
def pg_server_url() -> str:
    url = pg_url()
    engine = make_engine(url, pool_size=1)
    try:
        with engine.connect() as conn:
            conn.execute(text("select 1"))
    except Exception as exc:  # noqa: BLE001 - any failure to connect means "no server"
        message = f"PostgreSQL not reachable at {url}: {exc}"
        if _on_ci():
            pytest.fail(f"CI=true and {message}", pytrace=False)
        pytest.skip(message)
    finally:
        engine.dispose()
    return url


@pytest.fixture(scope="session")
def pg_schema_engine(pg_server_url: str, request: pytest.FixtureRequest) -> Iterator[Engine]:
    """An engine whose search_path is a private schema with the migrated fours schema."""
    worker = getattr(request.config, "workerinput", {}).get("workerid", "main")
    schema = f"fours_t_{os.getpid()}_{worker}".lower()
    admin = make_engine(pg_server_url, pool_size=1)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(pg_server_url, connect_args={"options": f"-csearch_path={schema}"})
    upgrade(engine)
    yield engine
    engine.dispose()
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    path = tmp_path_factory.mktemp("sqlite") / "fours.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    yield engine
    engine.dispose()


def _wipe(engine: Engine) -> None:
    import_all_tables()
    with engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    """A migrated, empty database on each backend in turn."""
    fixture = "sqlite_engine" if request.param == "sqlite" else "pg_schema_engine"
    engine: Engine = request.getfixturevalue(fixture)
    _wipe(engine)
    yield engine
    _wipe(engine)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(pendulum.datetime(2026, 11, 25, 9, 30, tz="Asia/Shanghai"))


@pytest.fixture
def app(engine: Engine, clock: FixedClock) -> FoursApp:
    return bootstrap(engine=engine, clock=clock, ids=SequentialIdSource("t"))


@pytest.fixture
def star_dir() -> Path:
    """The STAR Rev 5.5.4 folder: ``FOURS_STAR_DIR``, else ``../shared/star/Rev5.5.4``."""
    configured = os.environ.get("FOURS_STAR_DIR")
    path = Path(configured) if configured else SHARED / "star" / "Rev5.5.4"
    if not path.is_dir():
        pytest.skip(
            f"STAR schemas not found at {path}: set FOURS_STAR_DIR to the Rev5.5.4 folder "
            "(CI has ../shared beside the clone)"
        )
    return path
