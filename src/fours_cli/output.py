"""Rendering results: a human table, or ``--json`` with one JSON document on stdout."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click
from returns.result import Failure, Result

from fours_domain.shared.errors import DomainError

if TYPE_CHECKING:
    from moneyed import Money

T = TypeVar("T")


class Amount(click.ParamType["Money"]):
    """An amount of money (CNY) read by the domain's one rule,
    :func:`fours_domain.shared.money.parse_amount` (ADR 0074): ``1234.56`` or
    ``1,234.56``, at most two decimals, within the maximum amount. A refusal is the
    domain's ``invalid_amount`` error naming the option or argument and the value given
    (one line, or JSON with ``--json``; exit 1) — never a traceback."""

    name = "amount"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> Money:
        from fours_domain.shared.money import parse_amount

        return parse_amount(value, _field_of(param))


def _field_of(param: click.Parameter | None) -> str:
    """``--list-price`` for an option, ``PRICE`` for an argument."""
    if param is None:
        return "amount"
    if isinstance(param, click.Option):
        return max(param.opts, key=len)
    return param.human_readable_name


class CliState:
    """Global options, shared by every command through ``click.Context.obj``."""

    def __init__(self, db_url: str | None, store: str | None, as_json: bool) -> None:
        self.db_url = db_url
        self.store = store
        self.as_json = as_json
        self._container: Any = None
        self._app: Any = None
        self._engine: Any = None

    @property
    def container(self) -> Any:
        """The composition root (:mod:`fours_cli.containers`), configured on first use."""
        if self._container is None:
            import os

            from fours_cli.containers import make_container

            self._container = make_container(self.db_url, dict(os.environ))
        return self._container

    @property
    def app(self) -> Any:
        """The wired :class:`~fours_adapters.bootstrap.FoursApp`, built on first use —
        after checking that the database's schema is exactly this fours's (a missing,
        older or unknown revision is refused, ADR 0070)."""
        if self._app is None:
            from fours_adapters.sql.migrate import check_current

            check_current(self.engine)
            self._app = self.container.app()
        return self._app

    @property
    def engine(self) -> Any:
        """The database engine alone — for schema commands, which need no domain mapping
        (the same engine the app uses: the container's provider is a singleton)."""
        if self._engine is None:
            self._engine = self.container.engine()
        return self._engine

    def database(self) -> str | None:
        """The database URL in use (password hidden), once an engine exists."""
        engine = self._app.engine if self._app is not None else self._engine
        return None if engine is None else str(engine.url.render_as_string(hide_password=True))

    def close(self) -> None:
        if self._app is not None:
            self._app.close()  # disposes its engine, the same one
        elif self._engine is not None:
            self._engine.dispose()
        self._app = self._engine = self._container = None

    def require_store(self) -> str:
        if not self.store:
            raise click.UsageError(
                "this command needs a store: pass --store CODE or set FOURS_STORE"
            )
        return self.store


def state() -> CliState:
    obj = click.get_current_context().find_object(CliState)
    assert obj is not None
    return obj


def emit(data: Any, human: str | None = None) -> None:
    """Print ``data`` as JSON with ``--json``, else ``human`` (or a table of ``data``)."""
    if state().as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
        return
    if human is not None:
        click.echo(human)
    elif isinstance(data, list):
        click.echo(table(data))
    else:
        click.echo(table([data]))


def table(rows: Sequence[Mapping[str, Any]]) -> str:
    """A plain aligned text table (CJK characters count double width)."""
    if not rows:
        return "(none)"
    columns = list(rows[0].keys())
    cells = [[_text(row.get(col)) for col in columns] for row in rows]
    widths = [
        max(_width(c) for c in [col, *[r[i] for r in cells]]) for i, col in enumerate(columns)
    ]
    lines = ["  ".join(_pad(col, widths[i]) for i, col in enumerate(columns)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines.extend("  ".join(_pad(c, widths[i]) for i, c in enumerate(r)).rstrip() for r in cells)
    return "\n".join(lines)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple | set | frozenset):
        return ",".join(str(v) for v in value)
    return str(value)


def _width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def fail(error: DomainError) -> NoReturn:
    """Report a refused command on one line (or as JSON) and exit non-zero."""
    from fours_cli.errors import exit_code_of, report

    report(error.as_dict(), as_json=state().as_json)
    raise SystemExit(exit_code_of(error))


def parsed(parse: Callable[..., T], *args: Any) -> T:
    """Run a parser; a malformed input is one line (or a JSON error) and a non-zero exit,
    like a refusal."""
    try:
        return parse(*args)
    except DomainError as error:
        fail(error)


def value_or_fail(result: Result[T, DomainError]) -> T:
    """The success value, or report the failure on one line and exit non-zero."""
    if isinstance(result, Failure):
        fail(result.failure())
    return result.unwrap()


def finish(
    result: Result[T, DomainError],
    render: Callable[[T], Any],
    human: Callable[[Any], str] | None = None,
) -> None:
    """Print a use case's outcome: ``render(value)`` as JSON or ``human(data)``; or fail."""
    data = render(value_or_fail(result))
    emit(data, human(data) if human else None)
