"""star_lenient_check: cars/s reading a 15.6 MB STAR notice (13,500 cars) leniently *with*
the Rev 5.5.4 schemas — every line item read and the document checked against its XSD for
the deviation report — vs reading it without the schemas (ratio = with / without), and the
process's peak resident memory (``peak_rss_mb``, the lenient check's: it runs first).

Documents up to ``LENIENT_SCHEMA_CHECK_BYTES`` (4 MB) are validated as a whole tree (all
deviations reported); larger ones stream through the validating parser (bounded memory,
the first deviation reported). Needs the STAR folder (``FOURS_STAR_DIR``, else
``../shared/star/Rev5.5.4``); skipped without it.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from bench.harness import Measurement, peak_rss_mb

CARS = 13_500
DATA = Path(__file__).with_name(".data")
ROOT = Path(__file__).resolve().parents[1]


def star_dir() -> Path | None:
    configured = os.environ.get("FOURS_STAR_DIR")
    path = Path(configured) if configured else ROOT.parent / "shared" / "star" / "Rev5.5.4"
    return path if path.is_dir() else None


def read(path: Path, schemas: Path | None) -> tuple[float, int]:
    from fours_adapters.dms.star import StarFeed
    from fours_domain.dms.ports import Document, Located
    from fours_domain.dms.records import RecordKind

    feed = StarFeed(schemas)
    document = Document(path.name, lambda: path.open("rb"))
    start = time.perf_counter()
    cars = sum(
        isinstance(item, Located) for item in feed.read(document, RecordKind.VEHICLE_INVENTORY)
    )
    return time.perf_counter() - start, cars


def run() -> Iterator[Measurement]:
    from bench.star_vehicle_inventory import document_path

    schemas = star_dir()
    if schemas is None:
        print("star_lenient_check: skipped — no STAR folder (FOURS_STAR_DIR)", file=sys.stderr)
        return
    DATA.mkdir(exist_ok=True)
    path = document_path(CARS)
    checked, cars = read(path, schemas)
    peak = peak_rss_mb()
    plain, plain_cars = read(path, None)
    assert cars == plain_cars == CARS, (cars, plain_cars)
    yield Measurement(
        "star_lenient_check",
        CARS / checked,
        "cars/s",
        CARS / plain,
        n=CARS,
        peak_rss_mb=peak,
        extra={"document_mb": round(path.stat().st_size / 1e6, 1)},
    )
