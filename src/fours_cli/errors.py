"""How ``fours`` reports a failure: one line for people, one JSON object for programs.

Without ``--json`` a failure is one line, ``Error: <what is wrong and where>``, on stderr.
With ``--json`` it is one JSON object on **stdout** — the stream that carries the
success document — ``{"error": CODE, "message": TEXT, ...details}``, and stderr stays
empty, so a program reads one document either way and tells them apart by the exit code
or the ``error`` key (ADR 0007).

Exit codes: 0 done; 1 refused (a domain refusal, an invalid value, aborted); 2 not found,
or wrong usage of the command line (click's convention); 3 database problem (no schema,
unreachable, a driver error); 4 configuration problem (``--db`` / ``FOURS_DB_URL``,
``FOURS_DB_POOL_SIZE``, ``FOURS_SMS_GATEWAY``). Never a traceback.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NoReturn

import click

from fours_cli.registry import COMMAND_GROUPS
from fours_domain.shared.errors import DomainError

EXIT_REFUSED = 1
EXIT_NOT_FOUND = 2
EXIT_USAGE = 2
EXIT_DATABASE = 3
EXIT_CONFIGURATION = 4


class ConfigurationError(Exception):
    """A setting (option or environment variable) the composition root cannot use."""

    code = "configuration_error"

    def __init__(self, message: str, *, setting: str) -> None:
        super().__init__(message)
        self.message = message
        self.setting = setting

    def as_dict(self) -> dict[str, object]:
        return {"error": self.code, "message": self.message, "setting": self.setting}


def report(payload: Mapping[str, object], *, as_json: bool) -> None:
    """Print one failure: ``payload`` (with ``error`` and ``message`` keys) as JSON on
    stdout with ``--json``, else ``Error: <message>`` on stderr."""
    if as_json:
        click.echo(json.dumps(dict(payload), ensure_ascii=False, default=str))
    else:
        click.echo(f"Error: {payload['message']}", err=True)


def exit_code_of(error: DomainError) -> int:
    """2 for something that does not exist, 1 for every other refusal."""
    return EXIT_NOT_FOUND if error.code == "not_found" else EXIT_REFUSED


def json_requested(args: Sequence[str]) -> bool:
    """True when ``--json`` is among the global options (before the command group)."""
    for arg in args:
        if arg == "--json":
            return True
        if arg == "--" or arg in COMMAND_GROUPS:
            return False
    return False


def run_guarded(run: Callable[[], Any], *, as_json: bool) -> NoReturn:
    """Run the click group in non-standalone mode and exit with the documented code,
    reporting every failure on one line (or as JSON) — never a traceback."""
    try:
        outcome = run()
    except SystemExit:
        raise  # a command already reported and chose its code; the clauses below import
    except click.ClickException as error:
        report(_click_payload(error, hint=not as_json), as_json=as_json)
        sys.exit(error.exit_code)
    except click.Abort:
        report({"error": "aborted", "message": "aborted"}, as_json=as_json)
        sys.exit(EXIT_REFUSED)
    except DomainError as error:
        # A broken invariant in user input (e.g. a malformed code) raised by a constructor.
        report(error.as_dict(), as_json=as_json)
        sys.exit(exit_code_of(error))
    except ConfigurationError as error:
        report(error.as_dict(), as_json=as_json)
        sys.exit(EXIT_CONFIGURATION)
    except _database_errors() as error:
        refused = getattr(error, "orig", None)
        if isinstance(refused, DomainError):
            # A column type's last guard (an amount too large for BIGINT fen, ADR 0074).
            report(refused.as_dict(), as_json=as_json)
            sys.exit(exit_code_of(refused))
        code, message = describe_database_error(error)
        report({"error": code, "message": message}, as_json=as_json)
        sys.exit(EXIT_DATABASE)
    sys.exit(outcome if isinstance(outcome, int) else 0)


def _click_payload(error: click.ClickException, *, hint: bool) -> dict[str, object]:
    """Click's own usage errors in our shape; ``hint`` appends where to find help."""
    message = error.format_message()
    payload: dict[str, object] = {
        "error": "usage_error" if isinstance(error, click.UsageError) else "invalid_input",
        "message": message,
    }
    ctx = getattr(error, "ctx", None)
    if ctx is not None:
        payload["command"] = ctx.command_path
        if hint:
            joint = " Try" if message.endswith((".", "?", "!")) else "; try"
            payload["message"] = f"{message}{joint} '{ctx.command_path} --help'"
    return payload


def _database_errors() -> tuple[type[BaseException], ...]:
    from sqlalchemy.exc import StatementError

    return (StatementError,)  # DBAPIError and the errors of binding a parameter


def describe_database_error(error: BaseException) -> tuple[str, str]:
    """A stable code and one line for a driver error: no schema, unreachable, or other."""
    text = str(getattr(error, "orig", error)).strip().splitlines()[0]
    if "no such table" in text or ("does not exist" in text and "relation" in text):
        return (
            "database_schema_missing",
            f"the database has no fours schema yet ({text}); run 'fours db upgrade'",
        )
    if "could not connect" in text.lower() or "connection" in text.lower():
        return "database_unreachable", f"cannot reach the database: {text}"
    return "database_error", f"database error: {text}"
