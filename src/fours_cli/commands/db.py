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


@db.command()
def upgrade() -> None:
    """Create the schema or bring it up to the newest revision."""
    result = _status_dict(state().app.upgrade_schema())
    emit(result, f"{result['database']}: schema at {result['current']} (head)")


@db.command()
def status() -> None:
    """Show the schema revision and any pending migrations (exit 1 if behind)."""
    result = _status_dict(state().app.schema_status())
    pending = result["pending"]
    human = (
        f"{result['database']}: schema at {result['current'] or '(empty)'}; "
        + ("up to date" if not pending else f"pending: {', '.join(map(str, pending))}")  # type: ignore[call-overload]
    )
    emit(result, human)
    if pending:
        raise SystemExit(1)
