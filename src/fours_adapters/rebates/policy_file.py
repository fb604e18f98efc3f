"""Rebate policy files (TOML): one policy, or several as ``[[policy]]`` tables.

Every entry is parsed and validated before anything is stored, so a file is added
whole or not at all (docs/adr/0049-policy-files-strict-and-whole.md). Problems are
reported on one line naming the file, the policy (its position and id) and the key:

    audi.toml: policy 1 (ATOM-A): unknown key 'caps' (did you mean 'cap'?); nothing was added

Amounts and rates are strings (``"1.5%"``, ``"5000"``); TOML floats are read as
``Decimal`` and refused by the converter, like every float in money.
"""

from __future__ import annotations

import tomllib
from decimal import Decimal
from typing import Any

from returns.result import Failure, Result, Success

from fours_adapters.sql.rebates.converters import structure_policy
from fours_domain.rebates.model import RebatePolicy
from fours_domain.shared.errors import InvariantViolation


class PolicyFileError(InvariantViolation):
    code = "policy_file"


def read_policy_file(text: str, source: str) -> Result[tuple[RebatePolicy, ...], PolicyFileError]:
    """Every policy of a TOML document, or one error listing each entry at fault.

    >>> read_policy_file("policy = 5", "p.toml").failure().message
    "p.toml: 'policy' must be [[policy]] tables, not int; nothing was added"
    """
    try:
        data = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as error:
        return Failure(PolicyFileError(f"{source}: not valid TOML ({error}); nothing was added"))
    entries = _entries(data)
    if isinstance(entries, str):
        return Failure(PolicyFileError(f"{source}: {entries}; nothing was added", file=source))
    policies: list[RebatePolicy] = []
    problems: list[str] = []
    for number, entry in enumerate(entries, start=1):
        label = f"policy {number}" + (
            f" ({entry['id']})" if isinstance(entry.get("id"), str) else ""
        )
        try:
            policies.append(structure_policy(entry))
        except InvariantViolation as error:
            problems.append(f"{label}: {error.message}")
    if problems:
        return Failure(
            PolicyFileError(
                f"{source}: {'; '.join(problems)}; nothing was added",
                file=source,
                problems=problems,
            )
        )
    return Success(tuple(policies))


def _entries(data: dict[str, Any]) -> list[dict[str, Any]] | str:
    if "policy" not in data:
        return [data] if data else "no policy in the file"
    extra = sorted(set(data) - {"policy"})
    if extra:
        return f"unknown top-level key(s) {', '.join(extra)} beside [[policy]]"
    found = data["policy"]
    if isinstance(found, dict):
        found = [found]
    if not isinstance(found, list) or not all(isinstance(e, dict) for e in found):
        kind = type(found).__name__
        return f"'policy' must be [[policy]] tables, not {kind}"
    if not found:
        return "no policy in the file"
    return found
