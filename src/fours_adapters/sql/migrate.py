"""Schema migrations with Alembic: upgrade to head, report status."""

from __future__ import annotations

import attrs
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

SCRIPT_LOCATION = "fours_adapters.sql:migrations"


def alembic_config(engine: Engine) -> Config:
    """Alembic's configuration for ``engine``'s database.

    Alembic keeps options in a ``configparser`` with interpolation, where ``%`` starts a
    reference: a URL-encoded password (``p%40ss``) or a path with ``%`` would break it,
    so every ``%`` is doubled on the way in (``get_main_option`` returns the URL as is).
    """
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


def upgrade(engine: Engine, revision: str = "head") -> SchemaStatus:
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    return status(engine)


def status(engine: Engine) -> SchemaStatus:
    script = ScriptDirectory.from_config(alembic_config(engine))
    head = script.get_current_head()
    assert head is not None
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    pending = tuple(
        rev.revision
        for rev in reversed(list(script.iterate_revisions(head, current or "base")))
        if rev.revision != current
    )
    return SchemaStatus(
        url=engine.url.render_as_string(hide_password=True),
        current=current,
        head=head,
        pending=pending,
    )
