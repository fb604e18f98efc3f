"""End-to-end fixtures: every CLI run in these tests sees one fixed clock.

A test that runs the CLI on the machine's clock breaks on the day its dates fall
into the past (the demo's year-end promotion did, on 2027-01-01). So the CLI's
composition root is wrapped here: every container ``make_container`` builds gets
the clock of the ``cli_clock`` fixture (2026-11-25 09:30 in Shanghai unless a test
moves it). Subprocess runs use a ``fours`` wrapper with the same idea
(``test_cli.py::fixed_clock_fours``).
"""

import pendulum
import pytest
from dependency_injector import providers

from fours_cli import containers
from fours_domain.shared.time import FixedClock

CLI_NOW = pendulum.datetime(2026, 11, 25, 9, 30, tz="Asia/Shanghai")


@pytest.fixture(autouse=True)
def cli_clock(monkeypatch: pytest.MonkeyPatch) -> FixedClock:
    clock = FixedClock(CLI_NOW)
    build = containers.make_container

    def make_container(db_url: str | None, environ: dict[str, str]) -> containers.Container:
        container = build(db_url, environ)
        container.clock.override(providers.Object(clock))
        return container

    monkeypatch.setattr(containers, "make_container", make_container)
    return clock
