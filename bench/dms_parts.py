"""Shared by ``dms_import_parts_pg`` and ``dms_import_parts_sqlite``: a 1,000,000-row parts
price CSV (generic layout, UTF-8) generated once under ``bench/.data/``, and the import of
it through ``fours dms import``'s path (sniff + hash, CSV reader, record validation, the
import service, the bound parts price applier, one transaction, the journal)."""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pendulum
import psycopg

from fours_adapters.bootstrap import FoursApp
from fours_adapters.dms.binding import BindingContext, bound_appliers
from fours_adapters.dms.generate import parts_price_csv
from fours_adapters.dms.rejects import JsonlRejectFile
from fours_adapters.dms.spreadsheet import CsvFeed, builtin_mapping
from fours_domain.dms.ports import Document
from fours_domain.dms.records import RecordKind
from fours_domain.dms.services import ImportDocument, import_document

ROWS = int(os.environ.get("FOURS_BENCH_DMS_ROWS", "1000000"))
#: Longest a single import may run in ``make bench`` before it is reported as timed out.
BUDGET_S = int(os.environ.get("FOURS_BENCH_DMS_BUDGET_S", "900"))
DATA = Path(__file__).with_name(".data")
KIND = RecordKind.PART_PRICES


def csv_path(rows: int = ROWS, start: int = 1, edition: int = 0) -> Path:
    suffix = "" if (start, edition) == (1, 0) else f"_from{start}_ed{edition}"
    path = DATA / f"parts_prices_{rows}{suffix}.csv"
    if not path.exists():
        DATA.mkdir(exist_ok=True)
        partial = path.with_suffix(".partial")
        with partial.open("wb") as out:
            for chunk in parts_price_csv(rows, start=start, edition=edition):
                out.write(chunk)
        partial.replace(path)
    return path


def bound() -> bool:
    if KIND in bound_appliers(BindingContext("bench")):
        return True
    print(
        "dms_import_parts: pending — part-prices are not bound to the inventory context "
        "in this build",
        file=sys.stderr,
    )
    return False


@contextlib.contextmanager
def pg_time_budget(url: str, seconds: float, application_name: str) -> Iterator[threading.Event]:
    """Cancel the statements of connections named ``application_name`` after ``seconds``.

    Yields an event that is set once the budget ran out. Cancelling on the server
    (``pg_cancel_backend``, repeated until the block ends, since the client may be
    between statements) makes the running statement fail cleanly, so the import's
    unit of work rolls back and closes its connection normally.
    """
    expired = threading.Event()
    finished = threading.Event()

    def watchdog() -> None:
        if finished.wait(seconds):
            return
        expired.set()
        with psycopg.connect(url, autocommit=True) as conn:
            while not finished.wait(0.5):
                conn.execute(
                    "select pg_cancel_backend(pid) from pg_stat_activity "
                    "where application_name = %s and pid <> pg_backend_pid()",
                    (application_name,),
                )

    thread = threading.Thread(target=watchdog, name="bench-budget", daemon=True)
    thread.start()
    try:
        yield expired
    finally:
        finished.set()
        thread.join()


def next_edition() -> Path:
    """The next edition of the price file: its second half re-priced (¥1 up), as many
    new parts after it — the monthly update of a loaded catalogue."""
    return csv_path(ROWS, start=ROWS // 2 + 1, edition=1)


def import_file(app: FoursApp, path: Path, *, update: bool = False) -> float:
    """Seconds to import ``path``; asserts what was created (and updated, for an edition)."""
    applier = bound_appliers(BindingContext("bench"))[KIND]
    with (DATA / "parts_rejects.jsonl").open("w", encoding="utf-8") as rejects:
        start = time.perf_counter()
        result = import_document(
            app.uow(),
            CsvFeed(builtin_mapping("generic")),
            applier,
            ImportDocument(Document(path.name, lambda: path.open("rb")), KIND),
            clock=app.clock,
            ids=app.ids,
            rejects=JsonlRejectFile(rejects),
        )
        elapsed = time.perf_counter() - start
    summary = result.unwrap()
    expected = (ROWS - ROWS // 2, ROWS // 2) if update else (ROWS, 0)
    assert (summary.created, summary.updated) == expected, summary.as_dict()
    return elapsed


def clock_now() -> pendulum.DateTime:
    return pendulum.datetime(2026, 11, 25, tz="UTC")
