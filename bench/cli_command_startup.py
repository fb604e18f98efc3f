"""cli_command_startup: wall time of real ``fours`` commands vs ``python -c pass``.

``cli_startup`` times ``fours --help`` only, which is served without click. This one times
what staff run: ``fours --version``, ``fours org --help`` and two commands on an empty,
migrated SQLite database (``fours db status``, ``fours org show``) — each as a ratio to a
bare interpreter start measured in the same run, interleaved (one line per command).
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from bench.harness import Measurement, peak_rss_mb, python, versus_bare_python


def run(rounds: int = 20) -> Iterator[Measurement]:
    fours = str(Path(python()).parent / "fours")
    with tempfile.TemporaryDirectory(prefix="fours-bench-") as folder:
        env = {**os.environ, "FOURS_DB_URL": f"sqlite:///{folder}/fours.db"}
        subprocess.run([fours, "db", "upgrade"], check=True, env=env, capture_output=True)
        commands = {
            "fours --version": [fours, "--version"],
            "fours org --help": [fours, "org", "--help"],
            "fours db status": [fours, "db", "status"],
            "fours org show": [fours, "org", "show"],
        }
        for label, argv in commands.items():
            ours, base = versus_bare_python(argv, rounds, env)
            yield Measurement(
                "cli_command_startup",
                ours * 1000,
                "ms",
                base * 1000,
                n=rounds,
                peak_rss_mb=peak_rss_mb(children=True),
                extra={"command": label},
            )
