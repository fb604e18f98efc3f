"""Run every benchmark (or those named on the command line) and print JSON lines.

Each benchmark runs in a process of its own, so its ``peak_rss_mb`` is its own (the peak
resident memory of a process is a lifetime high-water mark) and one benchmark's heap,
caches and threads do not weigh on the next.
"""

from __future__ import annotations

import importlib
import subprocess
import sys

BENCHMARKS = (
    "cli_startup",
    "cli_command_startup",
    "reserve_pg",
    "reserve_sqlite",
    "group_stock_query_pg",
    "vehicle_stock_query_pg",
    "quote_resolve",
    "rebate_quarter",
    "star_vehicle_inventory",
    "star_lenient_check",
    "star_vehicle_inventory_pg",
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
    if len(chosen) == 1:
        module = importlib.import_module(f"bench.{chosen[0]}")
        for measurement in module.run():
            print(measurement.as_json(), flush=True)
        return 0
    failed = [
        name
        for name in chosen
        if subprocess.run([sys.executable, "-m", "bench", name], check=False).returncode != 0
    ]
    if failed:
        print(f"benchmark(s) failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
