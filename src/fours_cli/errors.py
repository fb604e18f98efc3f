"""How ``fours`` reports a failure: one line for people, one JSON object for programs.

Without ``--json`` a failure is one line, ``Error: <what is wrong and where>``, on stderr.
With ``--json`` it is one JSON object on **stdout** — the stream that carries the
success document — ``{"error": CODE, "message": TEXT, ...details}``, and stderr stays
empty, so a program reads one document either way and tells them apart by the exit code
or the ``error`` key (ADR 0007).

Exit codes: 0 done; 1 refused (a domain refusal, an invalid value, aborted); 2 not found,
or wrong usage of the command line (click's convention); 3 database problem (no schema,
unreachable, not a database, read-only, a schema this fours did not write — ADR 0070 — a lost
race the retries did not win — ``database_conflict``, ADR 0073 — or another driver error,
naming the operation when it happened inside one); 4 configuration problem (``--db`` /
``FOURS_DB_URL``, ``FOURS_DB_POOL_SIZE``, ``FOURS_SMS_GATEWAY`` — ADR 0071). Never a traceback.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NoReturn

import click

from fours_cli.registry import COMMAND_GROUPS
from fours_domain.shared.errors import DomainError, StorageFailure

if TYPE_CHECKING:
    from fours_adapters.sql.migrate import SchemaProblem

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


class DatabaseProblem(Exception):
    """A driver error, described on one line naming the database (password hidden)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def as_dict(self) -> dict[str, object]:
        return {"error": self.code, "message": self.message}


def report(payload: Mapping[str, object], *, as_json: bool) -> None:
    """Print one failure: ``payload`` (with ``error`` and ``message`` keys) as JSON on
    stdout with ``--json``, else ``Error: <message>`` on stderr."""
    if as_json:
        click.echo(json.dumps(dict(payload), ensure_ascii=False, default=str))
    else:
        click.echo(f"Error: {_one_line(str(payload['message']))}", err=True)


def _one_line(text: str) -> str:
    """``text`` with line breaks and other control characters (from user input, such as a
    URL) escaped, so a failure stays one line; other characters (CJK spaces too) stay."""
    import unicodedata

    return "".join(
        repr(c)[1:-1] if unicodedata.category(c) in {"Cc", "Zl", "Zp"} else c for c in text
    )


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
    except StorageFailure as failure:
        # A database error inside a unit of work, after the retries of a transient one.
        report(storage_payload(failure), as_json=as_json)
        sys.exit(EXIT_DATABASE)
    except DatabaseProblem as error:
        report(error.as_dict(), as_json=as_json)
        sys.exit(EXIT_DATABASE)
    except _schema_problems() as error:
        report(error.as_dict(), as_json=as_json)
        sys.exit(EXIT_DATABASE)
    except database_errors() as error:
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


def database_errors() -> tuple[type[BaseException], ...]:
    from sqlalchemy.exc import StatementError

    return (StatementError,)  # DBAPIError and the errors of binding a parameter


def storage_payload(failure: StorageFailure) -> dict[str, object]:
    """A storage failure in our shape: the code and line of its driver error, prefixed
    with the operation that failed (and how often it ran, when more than once)."""
    code, message = describe_database_error(failure.__cause__ or failure)
    payload: dict[str, object] = {"error": code}
    where = failure.operation
    if failure.attempts > 1:
        where = f"{where or 'the command'} (ran {failure.attempts} times)"
    payload["message"] = f"{where} failed: {message}" if where else message
    if failure.operation:
        payload["operation"] = failure.operation
    payload["attempts"] = failure.attempts
    return payload


def _schema_problems() -> tuple[type[SchemaProblem], ...]:
    from fours_adapters.sql.migrate import SchemaProblem

    return (SchemaProblem,)


def describe_database_error(
    error: BaseException, *, database: str | None = None
) -> tuple[str, str]:
    """A stable code and one line for a driver error: no schema, unreachable, not a
    database, a lost race (deadlock, serialization failure), or other; ``database``
    (the URL, password hidden) says where."""
    orig = getattr(error, "orig", None) or error
    lines = str(orig).strip().splitlines() or [type(orig).__name__]
    text = lines[0]
    the = f"the database {database}" if database else "the database"
    lower = text.lower()
    if getattr(orig, "sqlstate", None) in {"40P01", "40001"}:
        return (
            "database_conflict",
            f"the transaction kept losing to concurrent ones ({text}); run the command again",
        )
    if "no such table" in text or ("does not exist" in text and "relation" in text):
        return (
            "database_schema_missing",
            f"{the} has no fours schema yet ({text}); run 'fours db upgrade'",
        )
    if "unable to open database file" in lower:
        return (
            "database_unreachable",
            f"cannot open {the} ({text}): does its folder exist, and may fours write there?",
        )
    if "could not connect" in lower or "connection" in lower:
        return "database_unreachable", f"cannot reach {the}: {text}"
    if "file is not a database" in lower:
        return "database_error", f"{the} is not a SQLite database ({text})"
    if "readonly database" in lower or "read-only" in lower:
        return "database_read_only", f"cannot write to {the}: it is read-only ({text})"
    where = f" in {database}" if database else ""
    return "database_error", f"database error{where}: {text}"
