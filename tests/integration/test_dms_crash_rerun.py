"""Crash and rerun, for real: a process importing a large document is killed (SIGKILL)
midway, the import is run again, and the database ends exactly where one clean run
ends — every table, row for row — with the document journaled once. On SQLite and
PostgreSQL, for a STAR dispatch notice (vehicles) and a parts price file (inventory).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pendulum
import pytest
from sqlalchemy import Engine, select, text

from fours_adapters.bootstrap import bootstrap
from fours_adapters.dms.generate import parts_price_csv, star_vehicle_inventory
from fours_adapters.sql.metadata import metadata
from fours_adapters.sql.tables import import_all_tables
from fours_domain.org import services as org
from fours_domain.shared.ids import SequentialIdSource
from fours_domain.shared.time import FixedClock

NOW = pendulum.datetime(2026, 11, 25, 1, 30, tz="UTC")

#: The importing process: the import service with the CLI's pieces, printing how many
#: records it has applied after each batch and, once past ``pause``, waiting to be killed.
CHILD = textwrap.dedent(
    """
    import json, sys
    import pendulum
    from fours_adapters.bootstrap import bootstrap
    from fours_adapters.dms.binding import BindingContext, bound_appliers
    from fours_adapters.dms.rejects import JsonlRejectFile
    from fours_adapters.dms.spreadsheet import CsvFeed, builtin_mapping
    from fours_adapters.dms.star import StarFeed
    from fours_adapters.sql.engine import make_engine
    from fours_domain.dms.ports import Document
    from fours_domain.dms.records import RecordKind
    from fours_domain.dms.services import ImportDocument, import_document
    from fours_domain.shared.ids import SequentialIdSource
    from fours_domain.shared.time import FixedClock

    url, schema, kind, path, pause = sys.argv[1:]
    options = {"connect_args": {"options": f"-csearch_path={schema}"}} if schema else {}
    app = bootstrap(
        engine=make_engine(url, **options),
        clock=FixedClock(pendulum.datetime(2026, 11, 25, 1, 30, tz="UTC")),
        ids=SequentialIdSource("run"),
    )
    kind = RecordKind(kind)
    feed = StarFeed(None) if path.endswith(".xml") else CsvFeed(builtin_mapping("generic"))
    applier = bound_appliers(BindingContext("star", {"FAW-0101": "SH-AUDI-01"}))[kind]
    done = 0

    def progress(count):
        global done
        done += count
        print(done, flush=True)
        if int(pause) and done >= int(pause):
            sys.stdin.readline()  # in the middle of the transaction: wait for SIGKILL

    with open(path + ".rejects", "w", encoding="utf-8") as rejects:
        result = import_document(
            app.uow(), feed, applier,
            ImportDocument(Document(path, lambda: open(path, "rb")), kind),
            clock=app.clock, ids=app.ids, rejects=JsonlRejectFile(rejects), progress=progress,
        )
    print("SUMMARY " + json.dumps(result.unwrap().as_dict()), flush=True)
    """
)


def _target(engine: Engine) -> tuple[str, str]:
    """The URL and (PostgreSQL) schema a child process connects to."""
    url = engine.url.render_as_string(hide_password=False)
    if engine.dialect.name != "postgresql":
        return url, ""
    with engine.connect() as conn:
        return url, str(conn.execute(text("select current_schema()")).scalar_one())


def _setup(engine: Engine) -> None:
    """Empty every table, then the same group, brand and store each time."""
    import_all_tables()
    with engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())
    app = bootstrap(engine=engine, clock=FixedClock(NOW), ids=SequentialIdSource("t"))
    org.create_group(app.uow(), org.CreateGroup("ACME", "Acme")).unwrap()
    org.add_region(app.uow(), org.AddRegion("EAST", "East")).unwrap()
    org.add_brand(app.uow(), org.AddBrand("AUDI", "Audi", "FAW-VW")).unwrap()
    org.open_store(
        app.uow(), org.OpenStore("SH-AUDI-01", "SH", "EAST", "Asia/Shanghai", ("AUDI",)), app.clock
    ).unwrap()


def _tables(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows, in primary-key order."""
    import_all_tables()
    with engine.connect() as conn:
        return {
            table.name: [
                tuple(row)
                for row in conn.execute(select(table).order_by(*table.primary_key.columns))
            ]
            for table in metadata.sorted_tables
        }


def _import(
    engine: Engine, script: Path, kind: str, document: Path, kill_after: int = 0
) -> dict[str, Any] | None:
    """Run the importing process; kill it once ``kill_after`` records are applied.
    Returns the import summary, or None for a killed run."""
    url, schema = _target(engine)
    child = subprocess.Popen(
        [sys.executable, str(script), url, schema, kind, str(document), str(kill_after)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    try:
        for line in child.stdout:
            if line.startswith("SUMMARY "):
                child.wait(timeout=60)
                summary: dict[str, Any] = json.loads(line.removeprefix("SUMMARY "))
                return summary
            if kill_after and int(line) >= kill_after:
                os.kill(child.pid, signal.SIGKILL)
                assert child.wait(timeout=60) == -signal.SIGKILL
                return None
        _, errors = child.communicate(timeout=60)
        raise AssertionError(f"the import ended without a summary: {errors}")
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()


Writer = Callable[[Path], None]


def _star(path: Path) -> None:
    path.write_bytes(b"".join(star_vehicle_inventory(3000, bodid="FAW-CRASH-1")))


def _parts(path: Path) -> None:
    path.write_bytes(b"".join(parts_price_csv(60_000)))


@pytest.mark.parametrize(
    ("kind", "name", "write", "kill_after", "created"),
    [
        ("vehicle-inventory", "notice.xml", _star, 1000, 3000),
        ("part-prices", "prices.csv", _parts, 1, 60_000),
    ],
    ids=["star-vehicles", "csv-parts"],
)
def test_a_killed_import_and_its_rerun_end_as_one_clean_run(
    engine: Engine,
    tmp_path: Path,
    kind: str,
    name: str,
    write: Writer,
    kill_after: int,
    created: int,
) -> None:
    script = tmp_path / "importer.py"
    script.write_text(CHILD, encoding="utf-8")
    document = tmp_path / name
    write(document)

    _setup(engine)
    clean = _import(engine, script, kind, document)
    assert clean is not None and (clean["status"], clean["created"]) == ("applied", created)
    after_clean = _tables(engine)

    _setup(engine)
    before = _tables(engine)
    assert _import(engine, script, kind, document, kill_after=kill_after) is None
    assert _tables(engine) == before  # killed midway: nothing applied, nothing journaled
    rerun = _import(engine, script, kind, document)
    assert rerun is not None and rerun["status"] == "applied"
    assert _tables(engine) == after_clean
    assert len(after_clean["dms_imports"]) == 1 and after_clean["evt_outbox"] == []
    again = _import(engine, script, kind, document)
    assert again is not None and again["status"] == "duplicate"
    assert _tables(engine) == after_clean
