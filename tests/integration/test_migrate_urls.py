"""``fours db upgrade|status`` with a ``%`` in the URL (an encoded password, a path).

Alembic keeps its options in a ``configparser`` with interpolation, where a bare ``%``
used to fail with "invalid interpolation syntax".
"""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import make_url, text

from fours_adapters.sql.engine import make_engine
from fours_adapters.sql.migrate import alembic_config
from fours_cli.cli import cli


def fours(url: str, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--db", url, *args], catch_exceptions=False)


def test_the_alembic_config_returns_the_url_unchanged() -> None:
    engine = make_engine("postgresql://app:p%40ss%25w0rd@db.example/fours?sslmode=require")
    config = alembic_config(engine)
    assert config.get_main_option("sqlalchemy.url") == (
        "postgresql+psycopg://app:p%40ss%25w0rd@db.example/fours?sslmode=require"
    )
    engine.dispose()


def test_a_sqlite_path_with_a_percent_sign(tmp_path: Path) -> None:
    folder = tmp_path / "50%off"
    folder.mkdir()
    url = f"sqlite:///{folder / 'fours.db'}"
    assert fours(url, "db", "status").exit_code == 1  # pending migrations, no traceback
    upgraded = fours(url, "db", "upgrade")
    assert upgraded.exit_code == 0, upgraded.output
    status = fours(url, "--json", "db", "status")
    assert status.exit_code == 0, status.output
    assert '"up_to_date": true' in status.output


@pytest.fixture
def percent_url(pg_server_url: str) -> Iterator[str]:
    """The test server with an encoded password (``p@ss%1`` → ``p%40ss%251``) and a private
    schema given in the query (``options=-csearch_path%3D…``): two ``%`` in one URL."""
    schema = f"fours_pct_{os.getpid()}"
    admin = make_engine(pg_server_url, pool_size=1)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(pg_server_url).set(
        password="p@ss%1", query={"options": f"-csearch_path={schema}"}
    )
    rendered = url.render_as_string(hide_password=False)
    assert "p%40ss%251" in rendered and "%3D" in rendered
    yield rendered
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    admin.dispose()


@pytest.mark.postgres
def test_a_postgresql_password_with_a_percent_sign(percent_url: str) -> None:
    before = fours(percent_url, "--json", "db", "status")
    assert before.exit_code == 1 and '"pending"' in before.output, before.output
    assert fours(percent_url, "db", "upgrade").exit_code == 0
    after = fours(percent_url, "db", "status")
    assert after.exit_code == 0 and "up to date" in after.output
    assert "p@ss" not in after.output and "p%40ss" not in after.output  # password hidden
