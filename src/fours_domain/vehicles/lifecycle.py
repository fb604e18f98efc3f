"""The vehicle lifecycle as data: states, actions and the transition table.

Every change of a car's state goes through :data:`TRANSITIONS`; a pair
``(state, action)`` that is not in the table is refused with
:class:`~fours_domain.shared.errors.IllegalTransition`. Tests generate every
pair from the two enums, so the table is the single source of truth.

>>> TRANSITIONS[(VehicleState.IN_STOCK, VehicleAction.RESERVE)]
<VehicleState.RESERVED: 'RESERVED'>
>>> [a.name for a in allowed_actions(VehicleState.RESERVED)]
['RELEASE', 'EXPIRE', 'SELL', 'DAMAGE']
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from types import MappingProxyType


class VehicleState(enum.Enum):
    """Where a car is in its life (车辆状态)."""

    ON_ORDER = "ON_ORDER"
    """Ordered from the manufacturer (采购订单 / 已配车), not shipped yet."""
    IN_TRANSIT = "IN_TRANSIT"
    """Shipped by the manufacturer (在途), with an ETA."""
    ARRIVED = "ARRIVED"
    """At the store, waiting for the pre-delivery inspection (新车首检)."""
    PDI_FAILED = "PDI_FAILED"
    """Failed its PDI; goes back to repair, then to a new inspection."""
    IN_STOCK = "IN_STOCK"
    """In stock (在库) and free to sell."""
    RESERVED = "RESERVED"
    """Reserved (预留) for one customer or sales order, optionally until a deadline."""
    ON_HOLD = "ON_HOLD"
    """Held back from sale (e.g. quality hold, recall check)."""
    DAMAGED = "DAMAGED"
    """Damaged; must be repaired and inspected again before sale."""
    IN_TRANSFER = "IN_TRANSFER"
    """Dispatched to another store of the group (调拨在途): no store counts it."""
    CONSIGNED = "CONSIGNED"
    """Consigned to another group company for sale (委托销售)."""
    SOLD = "SOLD"
    """Purchase agreement signed and paid."""
    DELIVERED = "DELIVERED"
    """Handed over to the customer (交车)."""
    REGISTERED = "REGISTERED"
    """Plates registered (挂牌): the end of the new-car life."""
    RETURNED = "RETURNED"
    """Returned to the manufacturer."""


class VehicleAction(enum.Enum):
    """What can happen to a car; each is a row group of the transition table."""

    RECORD = "record"
    """First entry of a car's history (never a transition: not in the table)."""
    SHIP = "ship"
    ARRIVE = "arrive"
    PASS_PDI = "pass PDI"  # noqa: S105 - not a password
    FAIL_PDI = "fail PDI"
    REPAIR = "repair"
    RESERVE = "reserve"
    RELEASE = "release"
    EXPIRE = "expire"
    SELL = "sell"
    DELIVER = "deliver"
    REGISTER = "register"
    HOLD = "hold"
    UNHOLD = "unhold"
    DAMAGE = "damage"
    RETURN = "return"
    DISPATCH = "dispatch"
    RECEIVE = "receive"
    REFUSE = "refuse"
    CONSIGN = "consign"
    END_CONSIGNMENT = "end consignment"


S = VehicleState
A = VehicleAction

_TABLE: dict[tuple[VehicleState, VehicleAction], VehicleState] = {
    # manufacturer pipeline
    (S.ON_ORDER, A.SHIP): S.IN_TRANSIT,
    (S.ON_ORDER, A.ARRIVE): S.ARRIVED,
    (S.IN_TRANSIT, A.ARRIVE): S.ARRIVED,
    (S.IN_TRANSIT, A.DAMAGE): S.DAMAGED,
    (S.IN_TRANSIT, A.RETURN): S.RETURNED,
    # pre-delivery inspection (PDI) and repair
    (S.ARRIVED, A.PASS_PDI): S.IN_STOCK,
    (S.ARRIVED, A.FAIL_PDI): S.PDI_FAILED,
    (S.ARRIVED, A.DAMAGE): S.DAMAGED,
    (S.ARRIVED, A.RETURN): S.RETURNED,
    (S.PDI_FAILED, A.REPAIR): S.ARRIVED,
    (S.PDI_FAILED, A.RETURN): S.RETURNED,
    (S.DAMAGED, A.REPAIR): S.ARRIVED,
    (S.DAMAGED, A.RETURN): S.RETURNED,
    # in stock
    (S.IN_STOCK, A.RESERVE): S.RESERVED,
    (S.IN_STOCK, A.SELL): S.SOLD,
    (S.IN_STOCK, A.HOLD): S.ON_HOLD,
    (S.IN_STOCK, A.DAMAGE): S.DAMAGED,
    (S.IN_STOCK, A.RETURN): S.RETURNED,
    (S.IN_STOCK, A.DISPATCH): S.IN_TRANSFER,
    (S.IN_STOCK, A.CONSIGN): S.CONSIGNED,
    (S.RESERVED, A.RELEASE): S.IN_STOCK,
    (S.RESERVED, A.EXPIRE): S.IN_STOCK,
    (S.RESERVED, A.SELL): S.SOLD,
    (S.RESERVED, A.DAMAGE): S.DAMAGED,
    (S.ON_HOLD, A.UNHOLD): S.IN_STOCK,
    (S.ON_HOLD, A.DAMAGE): S.DAMAGED,
    (S.ON_HOLD, A.RETURN): S.RETURNED,
    # transfer between stores (调拨) and consignment (委托销售)
    (S.IN_TRANSFER, A.RECEIVE): S.IN_STOCK,
    (S.IN_TRANSFER, A.REFUSE): S.IN_STOCK,
    (S.IN_TRANSFER, A.DAMAGE): S.DAMAGED,
    (S.CONSIGNED, A.END_CONSIGNMENT): S.IN_STOCK,
    (S.CONSIGNED, A.SELL): S.SOLD,
    # sale and after
    (S.SOLD, A.DELIVER): S.DELIVERED,
    (S.DELIVERED, A.REGISTER): S.REGISTERED,
}

TRANSITIONS: Mapping[tuple[VehicleState, VehicleAction], VehicleState] = MappingProxyType(_TABLE)
"""``(state, action) → next state``: the whole lifecycle, nothing else is allowed."""

STOCK_STATES = frozenset({S.ARRIVED, S.PDI_FAILED, S.IN_STOCK, S.RESERVED, S.ON_HOLD, S.DAMAGED})
"""States in which a car physically stands at its store and counts in its stock
(a damaged car in transit from the manufacturer is the one exception the
:meth:`Vehicle.counts_in_stock` rule handles)."""

PIPELINE_STATES = frozenset({S.ON_ORDER, S.IN_TRANSIT})
"""Manufacturer-side states: the manufacturer's feed may still move the car."""

FINAL_STATES = frozenset({S.REGISTERED, S.RETURNED})


def next_state(state: VehicleState, action: VehicleAction) -> VehicleState | None:
    """The state after ``action``, or ``None`` when the table forbids it."""
    return TRANSITIONS.get((state, action))


def allowed_actions(state: VehicleState) -> tuple[VehicleAction, ...]:
    """Actions the table allows in ``state``, in table order."""
    return tuple(a for (s, a) in TRANSITIONS if s is state)


def path_to(
    state: VehicleState,
    target: VehicleState,
    using: frozenset[VehicleAction] | None = None,
) -> tuple[VehicleAction, ...] | None:
    """The shortest sequence of actions (only those in ``using``, if given)
    leading from ``state`` to ``target``: ``()`` if already there, ``None`` if
    unreachable. Used to follow a manufacturer feed that skips states.

    >>> [a.name for a in path_to(VehicleState.ON_ORDER, VehicleState.IN_STOCK) or ()]
    ['ARRIVE', 'PASS_PDI']
    """
    if state is target:
        return ()
    frontier: list[tuple[VehicleState, tuple[VehicleAction, ...]]] = [(state, ())]
    seen = {state}
    while frontier:
        nxt: list[tuple[VehicleState, tuple[VehicleAction, ...]]] = []
        for current, path in frontier:
            for action in allowed_actions(current):
                if using is not None and action not in using:
                    continue
                after = TRANSITIONS[(current, action)]
                if after is target:
                    return (*path, action)
                if after not in seen:
                    seen.add(after)
                    nxt.append((after, (*path, action)))
        frontier = nxt
    return None
