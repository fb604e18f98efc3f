"""A sweep of the whole command tree: no command ends in a traceback.

Every command of every group is run on a freshly upgraded, empty SQLite database
(a) with no arguments, with and without ``--store``, and (b) with a garbage value in
each of its options and arguments in turn (the other arguments given a plain ``zz``).
Whatever the command says, it must say it as one line or one JSON object and an exit
code (ADR 0007): the runner records no uncaught exception other than ``SystemExit`` and
nothing prints ``Traceback``.

Failures in code owned by other areas are marked ``xfail(strict=True)`` in
:data:`KNOWN_FAILURES` with what fails, so fixing one turns the mark into an error here.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from fours_cli.cli import cli

#: What each option or argument gets in turn (``''`` last: an empty value).
GARBAGE = ("zz", "-1", "1e30", "")

#: (command path, parameter or "") → why it still fails; owned by another area.
KNOWN_FAILURES: dict[tuple[str, str], str] = {}


def _commands() -> list[tuple[str, click.Command]]:
    ctx = click.Context(cli, info_name="fours")
    found: list[tuple[str, click.Command]] = []

    def walk(command: click.Command, path: tuple[str, ...]) -> None:
        if isinstance(command, click.Group):
            for name in command.list_commands(ctx):
                sub = command.get_command(ctx, name)
                assert sub is not None, (path, name)
                walk(sub, (*path, name))
        else:
            found.append((" ".join(path), command))

    walk(cli, ())
    return found


COMMANDS = _commands()


def _params(command: click.Command) -> list[click.Parameter]:
    return [p for p in command.params if p.name != "help" and not getattr(p, "hidden", False)]


def _case(path: str, param: str) -> object:
    reason = KNOWN_FAILURES.get((path, param))
    marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
    return pytest.param(path, param, marks=marks, id=f"{path}:{param or '-'}")


BARE = [_case(path, "") for path, _ in COMMANDS]
EACH_PARAM = [_case(path, p.name or "") for path, command in COMMANDS for p in _params(command)]
BY_PATH = dict(COMMANDS)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One upgraded, empty SQLite database, copied for every run."""
    path = tmp_path_factory.mktemp("sweep") / "template.db"
    result = CliRunner().invoke(cli, ["--db", f"sqlite:///{path}", "db", "upgrade"])
    assert result.exit_code == 0, result.output
    return path


@pytest.fixture
def fresh(template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> object:
    """A function giving the URL of a fresh copy of the template; runs happen in tmp_path."""
    monkeypatch.chdir(tmp_path)  # a command writing a file named 'zz' writes it here
    counter = iter(range(10_000))

    def copy() -> str:
        target = tmp_path / f"run-{next(counter)}.db"
        shutil.copyfile(template, target)
        return f"sqlite:///{target}"

    return copy


def run(args: list[str]) -> Result:
    return CliRunner().invoke(cli, args, prog_name="fours")


def assert_clean(result: Result, args: list[str]) -> None:
    shown = " ".join(repr(a) for a in args)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(
            f"fours {shown} raised {type(result.exception).__name__}: {result.exception}"
        ) from result.exception
    assert "Traceback" not in result.output, f"fours {shown}:\n{result.output}"


def _filled(command: click.Command, garbage_for: str, value: str) -> list[list[str]]:
    """Argument lists giving ``value`` to parameter ``garbage_for`` and ``zz`` to every
    other required argument (an option that is a flag is simply given)."""
    positional: list[str] = []
    target: list[str] = []
    for param in _params(command):
        if isinstance(param, click.Argument):
            positional.append(value if param.name == garbage_for else "zz")
        elif param.name == garbage_for:
            assert isinstance(param, click.Option)
            flag = param.opts[0]
            if param.is_flag and not param.secondary_opts:
                target = [flag]
            elif param.is_flag:
                target = [param.secondary_opts[0]]
            else:
                nargs = max(param.nargs, 1)
                target = [flag, *([value] * nargs)]
    return [[*positional, *target]]


@pytest.mark.parametrize(("path", "param"), BARE)
def test_every_command_without_arguments(path: str, param: str, fresh: object) -> None:
    assert callable(fresh)
    for store in ([], ["--store", "SH01"]):
        for json_flag in ([], ["--json"]):
            args = ["--db", fresh(), *store, *json_flag, *path.split()]
            assert_clean(run(args), args)


@pytest.mark.parametrize(("path", "param"), EACH_PARAM)
def test_every_option_and_argument_with_garbage(path: str, param: str, fresh: object) -> None:
    assert callable(fresh)
    command = BY_PATH[path]
    for value in GARBAGE:
        for tail in _filled(command, param, value):
            args = ["--db", fresh(), "--store", "SH01", *path.split(), *tail]
            assert_clean(run(args), args)
