"""Fixtures of the pricing unit tests: the world of ``world.py`` and a fixed clock."""

import pendulum
import pytest

from fours_domain.shared.time import FixedClock
from fours_domain.testing.fakes import FakeUnitOfWork
from tests.unit.pricing.world import world


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return world()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(pendulum.datetime(2026, 12, 1, 2, 0, tz="UTC"))
