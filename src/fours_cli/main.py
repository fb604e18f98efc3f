"""Console entry point of ``fours``.

``fours --help`` is answered from :mod:`fours_cli._help` and ``fours --version``
from :data:`fours_cli.__version__`, without importing click (whose import alone
costs several times a bare interpreter start); tests keep both identical to
click's rendering. Everything else goes through the click group in
:mod:`fours_cli.cli`, whose command groups are in turn imported only when
invoked. See ``make bench`` → ``cli_startup`` and ``cli_command_startup``.
"""

from __future__ import annotations

import sys
from typing import Any


def main(argv: list[str] | None = None) -> Any:
    """Run ``fours``: user errors print one line and exit non-zero, never a traceback."""
    args = sys.argv[1:] if argv is None else argv
    if args in (["--help"], ["-h"]):
        from fours_cli._help import TOP_HELP

        sys.stdout.write(TOP_HELP)
        return 0
    if args == ["--version"]:
        from fours_cli import __version__

        sys.stdout.write(f"fours, version {__version__}\n")  # click's own wording
        return 0
    from fours_cli.cli import cli

    return cli.main(args=args, prog_name="fours")
