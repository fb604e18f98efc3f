"""Any generated command either succeeds or is refused with a DomainError,
and a refusal leaves the stock exactly as it was."""

from __future__ import annotations

from typing import Any

import pendulum
from hypothesis import given, settings
from hypothesis import strategies as st
from returns.result import Failure

from fours_domain.inventory import services as inv
from fours_domain.shared.errors import DomainError
from fours_domain.shared.ids import SequentialIdSource
from fours_domain.shared.time import FixedClock
from fours_domain.testing import strategies as fs
from fours_domain.testing.fakes import FakeUnitOfWork
from tests.unit.inventory.world import seed

RUN: dict[type, Any] = {
    inv.ReceiveParts: inv.receive_parts,
    inv.IssueParts: inv.issue_parts,
    inv.ReserveParts: inv.reserve_parts,
    inv.MoveParts: inv.move_parts,
    inv.DispatchTransfer: inv.dispatch_transfer,
    inv.CountStock: inv.count_stock,
}


def _stock(uow: FakeUnitOfWork) -> Any:
    return sorted((loc, i.on_hand, i.reserved) for loc, i in uow.stock.stock.items())


@settings(max_examples=200, deadline=None)
@given(st.lists(fs.stock_moves(), min_size=1, max_size=12))
def test_commands_apply_fully_or_not_at_all(commands: list[Any]) -> None:
    clock = FixedClock(pendulum.datetime(2026, 11, 25, tz="UTC"))
    ids = SequentialIdSource("f")
    uow = FakeUnitOfWork()
    seed(lambda: uow, clock)
    for cmd in commands:
        before, ledger = _stock(uow), len(uow.stock.entries)
        result = RUN[type(cmd)](uow, cmd, clock, ids)
        if isinstance(result, Failure):
            assert isinstance(result.failure(), DomainError)
            assert _stock(uow) == before and len(uow.stock.entries) == ledger
        for _loc, item in uow.stock.stock.items():
            assert 0 <= item.reserved <= item.on_hand
