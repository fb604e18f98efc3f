"""Schema migrations with Alembic: upgrade to head, report status, check currency.

A database stamped with a revision this fours does not know — written by a newer fours —
is refused by every function here (:class:`UnknownRevision`) rather than passed to
Alembic, which would fail with its own traceback (ADR 0070). Alembic is imported when
first used, not with this module.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING

import attrs

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from sqlalchemy import Engine

SCRIPT_LOCATION = "fours_adapters.sql:migrations"


def alembic_config(engine: Engine) -> Config:
    """Alembic's configuration for ``engine``'s database.

    Alembic keeps options in a ``configparser`` with interpolation, where ``%`` starts a
    reference: a URL-encoded password (``p%40ss``) or a path with ``%`` would break it,
    so every ``%`` is doubled on the way in (``get_main_option`` returns the URL as is).
    """
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    url = engine.url.render_as_string(hide_password=False)
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


@attrs.frozen
class SchemaStatus:
    url: str
    current: str | None
    head: str
    pending: tuple[str, ...]

    @property
    def up_to_date(self) -> bool:
        return not self.pending


class SchemaProblem(Exception):
    """The database's schema is not the one this fours works with; the message names the
    database (password hidden), its revision and what to do."""

    code = "database_schema_error"

    def __init__(self, message: str, *, database: str, current: str | None, head: str) -> None:
        super().__init__(message)
        self.message = message
        self.database = database
        self.current = current
        self.head = head

    def as_dict(self) -> dict[str, object]:
        return {
            "error": self.code,
            "message": self.message,
            "database": self.database,
            "current": self.current,
            "head": self.head,
        }


class UnknownRevision(SchemaProblem):
    """The database is at a revision this fours does not have (a newer fours wrote it)."""

    code = "database_schema_unknown"


class SchemaMissing(SchemaProblem):
    """The database has no fours schema yet."""

    code = "database_schema_missing"


class SchemaOutdated(SchemaProblem):
    """The database is at an older revision than this fours: ``fours db upgrade``."""

    code = "database_schema_outdated"


@functools.cache
def _scripts() -> ScriptDirectory:
    """The revision scripts shipped with this fours (read once per process)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    return ScriptDirectory.from_config(config)


def _current(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> SchemaStatus:
    """Create the schema or migrate it to ``revision`` (default: the newest).

    Raises :class:`UnknownRevision` for a database a newer fours has upgraded.
    """
    from alembic import command

    status(engine)  # refuses an unknown revision before Alembic sees it
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    return status(engine)


def status(engine: Engine) -> SchemaStatus:
    """The database's revision and the migrations pending to this fours's head.

    Raises :class:`UnknownRevision` when the revision is not one of this fours's.
    """
    script = _scripts()
    head = script.get_current_head()
    assert head is not None
    current = _current(engine)
    shown = engine.url.render_as_string(hide_password=True)
    known = {rev.revision for rev in script.walk_revisions()}
    if current is not None and current not in known:
        raise UnknownRevision(
            f"the database {shown} is at revision {current!r}, which this version of fours "
            f"does not know (probably upgraded by a newer fours; this one knows up to {head!r})",
            database=shown,
            current=current,
            head=head,
        )
    pending = tuple(
        rev.revision
        for rev in reversed(list(script.iterate_revisions(head, current or "base")))
        if rev.revision != current
    )
    return SchemaStatus(url=shown, current=current, head=head, pending=pending)


VERSIONS = Path(__file__).with_name("migrations") / "versions"


@functools.cache
def newest_script() -> str:
    """The name of the newest revision script (``0010_pricing_rebates``): scripts are
    named after their revision and numbered in order, so this is the head — a test holds
    it to Alembic's own answer."""
    return max(p.stem for p in VERSIONS.glob("[0-9]*.py"))


def _stamped(engine: Engine) -> list[str] | None:
    """The revisions in ``alembic_version`` by plain SQL, or None if it cannot be read."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT version_num FROM alembic_version"))
            return [str(row[0]) for row in rows]
    except DBAPIError:
        return None  # no table, or no database: the full check below says which


def check_current(engine: Engine) -> None:
    """Return if the schema is exactly this fours's head; otherwise raise
    :class:`SchemaMissing`, :class:`SchemaOutdated` or :class:`UnknownRevision`, so no
    command runs against a schema it was not written for.

    The common case costs one query and no Alembic import (``make bench`` →
    ``cli_command_startup``); anything else goes through Alembic's own answer.
    """
    if _stamped(engine) == [newest_script()]:
        return
    found = status(engine)
    if found.current is None:
        raise SchemaMissing(
            f"the database {found.url} has no fours schema yet; run 'fours db upgrade'",
            database=found.url,
            current=None,
            head=found.head,
        )
    if found.pending:
        raise SchemaOutdated(
            f"the database {found.url} is at revision {found.current!r}, older than this "
            f"fours's {found.head!r} ({len(found.pending)} migration(s) pending); "
            "run 'fours db upgrade'",
            database=found.url,
            current=found.current,
            head=found.head,
        )
    # At Alembic's head after all: the scripts' names are out of order (a test says so).
