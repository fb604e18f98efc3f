"""Databases fours cannot use, and URLs it cannot parse: one line, never a traceback.

A schema this fours did not write — none yet, older, or a revision it does not know
(a newer fours upgraded it) — is refused by every command but ``db status`` /
``db upgrade``, which say where the database stands (ADR 0070). A URL that cannot name a
database is a configuration error, exit 4; a database that cannot be reached or used is a
database error, exit 3 (ADR 0071).
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import make_url

from fours_adapters.sql.engine import make_engine
from fours_adapters.sql.migrate import upgrade
from fours_cli.cli import cli

FUTURE = "9999_future"


def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), env=env, prog_name="fours")


def clean(result: Result) -> None:
    """No uncaught exception, no traceback — whatever the outcome."""
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert "Traceback" not in result.output


def one_line(result: Result, code: int) -> str:
    clean(result)
    assert result.exit_code == code, result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    return lines[0]


def as_json(result: Result, code: int) -> dict[str, object]:
    clean(result)
    assert result.exit_code == code, result.output
    assert result.stderr == ""
    payload = json.loads(result.stdout)
    assert isinstance(payload, dict)
    return payload


def stamp(path: Path, revision: str) -> None:
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = ?", (revision,))


@pytest.fixture
def future(tmp_path: Path) -> tuple[str, Path]:
    """A database a newer fours upgraded: its revision is unknown here."""
    path = tmp_path / "future.db"
    url = f"sqlite:///{path}"
    assert invoke("--db", url, "db", "upgrade").exit_code == 0
    stamp(path, FUTURE)
    return url, path


# ---------------------------------------------------------------- an unknown revision


@pytest.mark.parametrize(
    "command",
    [("db", "status"), ("db", "upgrade"), ("org", "show"), ("org", "init", "G", "Group")],
)
def test_a_revision_from_a_newer_fours_is_refused_in_one_line(
    future: tuple[str, Path], command: tuple[str, ...]
) -> None:
    url, path = future
    line = one_line(invoke("--db", url, *command), 3)
    assert f"is at revision '{FUTURE}'" in line
    assert "this version of fours does not know" in line and "newer fours" in line
    assert str(path) in line
    payload = as_json(invoke("--json", "--db", url, *command), 3)
    assert payload["error"] == "database_schema_unknown"
    assert payload["current"] == FUTURE and payload["message"] == line.removeprefix("Error: ")
    with sqlite3.connect(path) as connection:  # nothing was written, upgrade included
        assert connection.execute("SELECT version_num FROM alembic_version").fetchall() == [
            (FUTURE,)
        ]
        assert connection.execute("SELECT count(*) FROM org_groups").fetchone() == (0,)


def test_an_embedder_gets_the_same_refusal(future: tuple[str, Path]) -> None:
    from fours_adapters.bootstrap import bootstrap
    from fours_adapters.sql.migrate import UnknownRevision

    app = bootstrap(future[0])
    with pytest.raises(UnknownRevision, match="9999_future"):
        app.schema_status()
    with pytest.raises(UnknownRevision):
        app.upgrade_schema()
    app.close()


# ---------------------------------------------------------------- an older schema


def test_an_older_schema_is_refused_until_upgraded(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    upgrade(engine, "0009_dms_vehicles")
    engine.dispose()
    line = one_line(invoke("--db", url, "org", "show"), 3)
    assert "is at revision '0009_dms_vehicles', older than" in line
    assert line.endswith("run 'fours db upgrade'")
    payload = as_json(invoke("--json", "--db", url, "org", "show"), 3)
    assert payload["error"] == "database_schema_outdated"
    status = invoke("--db", url, "db", "status")
    assert status.exit_code == 1 and "pending: 0010_pricing_rebates" in status.stdout
    assert invoke("--db", url, "db", "upgrade").exit_code == 0
    shown = invoke("--db", url, "org", "show")
    assert shown.exit_code == 0 and "no group" in shown.stdout


def test_no_schema_at_all_is_refused_before_any_query(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    payload = as_json(invoke("--json", "--db", url, "org", "init", "G", "Group"), 3)
    assert payload["error"] == "database_schema_missing"
    assert "run 'fours db upgrade'" in str(payload["message"])


def test_commands_that_need_no_database_run_without_a_schema(tmp_path: Path) -> None:
    result = invoke("--db", f"sqlite:///{tmp_path / 'none.db'}", "dms", "list")
    assert result.exit_code == 0, result.output


def test_the_newest_script_is_alembics_head_and_scripts_are_named_after_revisions() -> None:
    """The schema check's fast path reads the head from the scripts' names (ADR 0070)."""
    from fours_adapters.sql.migrate import VERSIONS, _scripts, newest_script

    script = _scripts()
    assert newest_script() == script.get_current_head(), (
        "name migrations NNNN_topic, numbered in the order of the chain"
    )
    revisions = {rev.revision: rev for rev in script.walk_revisions()}
    for path in VERSIONS.glob("[0-9]*.py"):
        assert path.stem in revisions, f"{path.name}: revision must be {path.stem!r}"
    assert len(revisions) == len(list(VERSIONS.glob("[0-9]*.py")))


# ---------------------------------------------------------------- configuration (exit 4)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "postgresql+psycopg://postgres:s3cret@127.0.0.1:abc/test",
            "cannot parse the database URL 'postgresql+psycopg://postgres:***@127.0.0.1:abc/test'"
            " (a port must be a number)",
        ),
        ("postgres://u:s3cret@db:99999999999999999999x/f", "cannot parse the database URL"),
        ("", "the database URL is empty"),
        ("   ", "the database URL is empty"),
        ("mysql://u:s3cret@db/fours", "unsupported database URL 'mysql://u:***@db/fours'"),
        ("foo://", "unsupported database URL 'foo://'"),
        ("oracle+cx_oracle://u@db/x", "unsupported database URL"),
    ],
)
def test_a_url_that_names_no_usable_database_is_a_configuration_error(
    url: str, expected: str
) -> None:
    for args, env in (
        (("--db", url), None),
        ((), {"FOURS_DB_URL": url}),
    ):
        if env is not None and not url.strip():
            continue  # an empty variable counts as unset (ADR 0071)
        line = one_line(invoke(*args, "db", "status", env=env), 4)
        assert expected in line and "s3cret" not in line
        payload = as_json(invoke("--json", *args, "org", "show", env=env), 4)
        assert payload["error"] == "configuration_error"
        assert payload["setting"] == "--db / FOURS_DB_URL"
        assert expected in str(payload["message"]) and "s3cret" not in json.dumps(payload)


def test_an_empty_variable_counts_as_unset(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke("db", "upgrade", env={"FOURS_DB_URL": ""})
    assert result.exit_code == 0 and (tmp_path / "fours.db").exists()


# ---------------------------------------------------------------- unusable databases (exit 3)


def test_a_sqlite_file_in_a_missing_folder(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'no' / 'such' / 'fours.db'}"
    for command in (("db", "status"), ("db", "upgrade"), ("org", "show")):
        line = one_line(invoke("--db", url, *command), 3)
        assert "cannot open the database" in line and str(tmp_path / "no") in line
        assert as_json(invoke("--json", "--db", url, *command), 3)["error"] == (
            "database_unreachable"
        )


def test_a_file_that_is_not_a_sqlite_database(tmp_path: Path) -> None:
    path = tmp_path / "garbage.db"
    path.write_bytes(bytes(range(256)) * 20)
    for command in (("db", "status"), ("db", "upgrade"), ("org", "show")):
        line = one_line(invoke("--db", f"sqlite:///{path}", *command), 3)
        assert line == f"Error: the database sqlite:///{path} is not a SQLite database " + (
            "(file is not a database)"
        )


def test_a_read_only_database(tmp_path: Path) -> None:
    path = tmp_path / "ro.db"
    assert invoke("--db", f"sqlite:///{path}", "db", "upgrade").exit_code == 0
    # SQLite's own read-only mode: file permissions do not stop root, which CI may be.
    url = f"sqlite:///file:{path}?mode=ro&uri=true"
    assert invoke("--db", url, "org", "show").exit_code == 0  # reading is fine
    line = one_line(invoke("--db", url, "org", "init", "G", "Group"), 3)
    assert "cannot write to the database" in line and "it is read-only" in line
    assert as_json(invoke("--json", "--db", url, "org", "init", "G", "G"), 3)["error"] == (
        "database_read_only"
    )


def test_postgresql_refusing_the_connection() -> None:
    url = "postgresql://fours:s3cret@127.0.0.1:1/fours"
    for command in (("db", "status"), ("db", "upgrade"), ("org", "show")):
        line = one_line(invoke("--db", url, *command), 3)
        assert line.startswith("Error: cannot reach the database postgresql+psycopg://fours:***@")
        assert "port 1 failed" in line and "s3cret" not in line
        payload = as_json(invoke("--json", "--db", url, *command), 3)
        assert payload["error"] == "database_unreachable"


@pytest.mark.postgres
def test_postgresql_without_that_database(pg_server_url: str) -> None:
    url = make_url(pg_server_url).set(database="fours_no_such_database_here")
    shown = url.render_as_string(hide_password=False)
    for command in (("db", "status"), ("org", "show")):
        line = one_line(invoke("--db", shown, *command), 3)
        assert "cannot reach the database" in line
        assert 'database "fours_no_such_database_here" does not exist' in line


# ---------------------------------------------------------------- any text at all


#: Schemes followed by arbitrary text (PostgreSQL's below, with a host on this machine).
URL_STARTS: tuple[str, ...] = ("", "sqlite:///", "sqlite://", "mysql://", "x+y://")


@st.composite
def database_urls(draw: st.DrawFn) -> str:
    """Arbitrary text, and text after a scheme; PostgreSQL hosts stay on this machine so
    no run waits for a name server."""
    text = st.text(max_size=40)
    kind = draw(st.sampled_from(("text", "start", "postgresql")))
    if kind == "text":
        return draw(text)
    if kind == "start":
        start: str = draw(st.sampled_from(URL_STARTS))
        return start + draw(text)
    user = draw(st.text(max_size=8))
    port = draw(st.one_of(st.text(max_size=6), st.integers(1, 70_000).map(str)))
    return f"postgresql://{user}:{draw(text)}@127.0.0.1:{port}/{draw(text)}?{draw(text)}"


@settings(max_examples=120, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(url=database_urls(), command=st.sampled_from((("db", "status"), ("org", "show"))))
def test_any_text_as_db_ends_in_one_line_or_a_result(url: str, command: tuple[str, ...]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        cwd = Path.cwd()
        os.chdir(folder)  # a URL naming a relative file creates it here
        try:
            result = invoke("--db", url, *command, env={"PGCONNECT_TIMEOUT": "2"})
        finally:
            os.chdir(cwd)
    clean(result)
    assert result.exit_code in (0, 1, 3, 4), result.output
    if result.exit_code in (3, 4):
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr


def test_control_characters_in_a_url_keep_the_error_on_one_line() -> None:
    line = one_line(invoke("--db", "foo://a\nb\r\u2028c 上海", "org", "show"), 4)
    assert "foo://a\\nb\\r\\u2028c 上海" in line


def test_a_message_keeps_its_own_characters_and_escapes_only_line_breaks() -> None:
    from fours_cli.errors import _one_line

    assert _one_line("a\rb\nc\u2028d\u3000上海\te") == "a\\rb\\nc\\u2028d\u3000上海\\te"
