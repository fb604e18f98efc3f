"""The stock state machine of tests/unit/inventory, smaller, through the SQL
adapter on SQLite: the invariants hold when every step is a real transaction."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings
from hypothesis.stateful import initialize
from sqlalchemy import Engine

from fours_adapters.bootstrap import bootstrap
from fours_adapters.sql.engine import make_engine
from fours_adapters.sql.migrate import upgrade
from tests.conftest import _wipe
from tests.unit.inventory.test_state_machine import StockMachine

_engines: list[Engine] = []


def _engine() -> Engine:
    if not _engines:
        path = Path(tempfile.mkdtemp(prefix="fours-sm-")) / "stock.db"
        engine = make_engine(f"sqlite:///{path}")
        upgrade(engine)
        _engines.append(engine)
    return _engines[0]


class SqlStockMachine(StockMachine):
    def make_uow(self) -> Callable[[], Any]:
        engine = _engine()
        _wipe(engine)
        return bootstrap(engine=engine).uow

    @initialize()
    def start(self) -> None:
        return None


SqlStockMachine.TestCase.settings = settings(max_examples=12, stateful_step_count=25, deadline=None)
TestStockThroughSqlite = pytest.mark.slow(SqlStockMachine.TestCase)
