"""(Un)structuring rebate policies: the one place that knows their wire shape.

A private :class:`cattrs.Converter` with explicit hooks:

* ``Decimal`` ↔ string (``"0.015"``); on the way in also ``"1.5%"`` (→ 0.015)
  and ints; **floats are refused** (TOML is parsed with ``parse_float=Decimal``).
* ``Money`` ↔ string of yuan (``"5000.00"``).
* pendulum ``Date`` ↔ ISO string (``"2026-07-01"``); TOML dates are accepted.
* enums by value; ``SpecPattern`` as a table of codes.

The same shape is stored as JSON in ``reb_policies.definition`` and written
by users as TOML (``fours rebates policy add FILE``), see docs/rebates.md.
"""

from __future__ import annotations

import datetime as dt
import difflib
import enum
import json
from decimal import Decimal
from typing import Any

import attrs
import cattrs
import pendulum
from cattrs.v import format_exception
from moneyed import Money

from fours_domain.rebates.model import RebatePolicy
from fours_domain.shared.errors import DomainError, InvariantViolation
from fours_domain.shared.money import parse_amount, parse_decimal

_converter = cattrs.Converter(omit_if_default=True, forbid_extra_keys=True)
"""Unknown keys are refused (a typo such as ``caps = "100"`` must not silently drop the
cap), at every level: the policy, its tiers, targets, KPI rules and claw-backs."""


def _structure_decimal(value: Any, _type: Any) -> Decimal:
    if isinstance(value, bool | float):
        raise InvariantViolation(f"{value!r}: write decimals as strings (no floats)")
    # The domain's one number rule (ADR 0074): "1,5" and "1e3" are refused, "13%" is 0.13.
    return parse_decimal(value if isinstance(value, Decimal | int) else str(value), "number")


def _structure_money(value: Any, _type: Any) -> Money:
    if isinstance(value, bool | float):
        raise InvariantViolation(f"{value!r}: write amounts as strings (no floats)")
    return parse_amount(value)  # the one rule (ADR 0074): fen, within the maximum amount


def _structure_date(value: Any, _type: Any) -> pendulum.Date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return pendulum.Date(value.year, value.month, value.day)
    parsed = pendulum.parse(str(value), exact=True)
    if not isinstance(parsed, pendulum.Date) or isinstance(parsed, pendulum.DateTime):
        raise InvariantViolation(f"{value!r} is not a date (YYYY-MM-DD)")
    return parsed


_converter.register_structure_hook(Decimal, _structure_decimal)
_converter.register_unstructure_hook(Decimal, str)
_converter.register_structure_hook(Money, _structure_money)
_converter.register_unstructure_hook(Money, lambda m: f"{m.amount:f}")
_converter.register_structure_hook(pendulum.Date, _structure_date)
_converter.register_unstructure_hook(pendulum.Date, lambda d: d.isoformat())


def unstructure_policy(policy: RebatePolicy) -> dict[str, Any]:
    """The policy as plain JSON-able data."""
    data: dict[str, Any] = _converter.unstructure(policy)
    return data


def structure_policy(data: Any) -> RebatePolicy:
    """A policy from plain data (JSON or TOML); problems become one :class:`InvariantViolation`
    naming each key at fault (``tiers[0]: unknown key 'x'``)."""
    if not isinstance(data, dict):
        raise InvariantViolation(f"a policy is a table of keys, not {type(data).__name__}")
    try:
        return _converter.structure(data, RebatePolicy)
    except InvariantViolation:
        raise
    except cattrs.BaseValidationError as error:
        problems = cattrs.transform_error(error, path="", format_exception=_problem)
        raise InvariantViolation("; ".join(_at(p) for p in problems)) from None
    except (KeyError, TypeError, ValueError) as error:
        raise InvariantViolation(str(error)) from None


def _problem(error: BaseException, type_: Any) -> str:
    if isinstance(error, cattrs.ForbiddenExtraKeysError):
        known = [f.name for f in attrs.fields(error.cl)] if attrs.has(error.cl) else []
        return "; ".join(_unknown(key, known) for key in sorted(error.extra_fields))
    if isinstance(error, KeyError):
        return "missing (required)"
    if isinstance(error, DomainError):
        return error.message
    if isinstance(error, ValueError) and isinstance(type_, type) and issubclass(type_, enum.Enum):
        choices = ", ".join(str(m.value) for m in type_)
        return f"not one of {choices}"
    return format_exception(error, type_)


def _unknown(key: str, known: list[str]) -> str:
    close = difflib.get_close_matches(key, known, n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else f" (known: {', '.join(known)})"
    return f"unknown key '{key}'{hint}"


def _at(problem: str) -> str:
    """``"unknown key 'caps' @ "`` → ``"unknown key 'caps'"``; ``"… @ .tiers[0]"`` →
    ``"tiers[0]: …"``."""
    text, _, path = problem.rpartition(" @ ")
    path = path.lstrip(".")
    return f"{path}: {text}" if path else text


def policy_to_json(policy: RebatePolicy) -> str:
    return json.dumps(unstructure_policy(policy), ensure_ascii=False, sort_keys=True)


def policy_from_json(text: str) -> RebatePolicy:
    loaded: dict[str, Any] = json.loads(text)
    return structure_policy(loaded)
