"""Turning infrastructure failures into one clear line for store staff."""

from __future__ import annotations

from typing import Any

import click

from fours_domain.shared.errors import DomainError


def run_guarded(command: click.Command, args: list[str]) -> Any:
    try:
        return command.main(args=args, prog_name="fours", standalone_mode=True)
    except SystemExit:
        raise  # matched first so the clauses below (and their imports) are not evaluated
    except DomainError as error:
        # A broken invariant in user input (e.g. a malformed code) raised by a constructor.
        click.echo(f"Error: {error.message}", err=True)
        raise SystemExit(1) from None
    except _database_errors() as error:
        click.echo(f"Error: {describe_database_error(error)}", err=True)
        raise SystemExit(3) from None


def _database_errors() -> tuple[type[BaseException], ...]:
    from sqlalchemy.exc import DBAPIError

    return (DBAPIError,)


def describe_database_error(error: BaseException) -> str:
    text = str(getattr(error, "orig", error)).strip().splitlines()[0]
    if "no such table" in text or ("does not exist" in text and "relation" in text):
        return f"the database has no fours schema yet ({text}); run 'fours db upgrade'"
    if "could not connect" in text.lower() or "connection" in text.lower():
        return f"cannot reach the database: {text}"
    return f"database error: {text}"
