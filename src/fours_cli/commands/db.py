"""``fours db``: schema migrations (Alembic)."""

from __future__ import annotations

import click

from fours_cli.output import emit, state


@click.group()
def db() -> None:
    """Create, upgrade and inspect the database schema."""


def _status_dict(status: object) -> dict[str, object]:
    from fours_adapters.sql.migrate import SchemaStatus

    assert isinstance(status, SchemaStatus)
    return {
        "database": status.url,
        "current": status.current,
        "head": status.head,
        "pending": list(status.pending),
        "up_to_date": status.up_to_date,
    }


# The schema commands use the engine alone: they need neither the domain's mapping nor
# the repositories (make bench -> cli_command_startup).


@db.command()
def upgrade() -> None:
    """Create the schema or bring it up to the newest revision."""
    from fours_adapters.sql.migrate import upgrade as upgrade_schema

    result = _status_dict(upgrade_schema(state().engine))
    emit(result, f"{result['database']}: schema at {result['current']} (head)")


@db.command()
def status() -> None:
    """Show the schema revision and any pending migrations (exit 1 if behind)."""
    from fours_adapters.sql.migrate import status as schema_status

    result = _status_dict(schema_status(state().engine))
    pending = result["pending"]
    human = (
        f"{result['database']}: schema at {result['current'] or '(empty)'}; "
        + ("up to date" if not pending else f"pending: {', '.join(map(str, pending))}")  # type: ignore[call-overload]
    )
    emit(result, human)
    if pending:
        raise SystemExit(1)
