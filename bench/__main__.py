"""Run every benchmark (or those named on the command line) and print JSON lines."""

from __future__ import annotations

import importlib
import sys

BENCHMARKS = (
    "cli_startup",
    "reserve_pg",
    "reserve_sqlite",
    "group_stock_query_pg",
    "vehicle_stock_query",
    "quote_resolve",
    "rebate_quarter",
    "star_vehicle_inventory",
    "dms_import_parts_pg",
    "dms_import_parts_sqlite",
)


def main(argv: list[str]) -> int:
    chosen = argv or list(BENCHMARKS)
    unknown = sorted(set(chosen) - set(BENCHMARKS))
    if unknown:
        print(
            f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}",
            file=sys.stderr,
        )
        return 2
    for name in chosen:
        module = importlib.import_module(f"bench.{name}")
        for measurement in module.run():
            print(measurement.as_json(), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
