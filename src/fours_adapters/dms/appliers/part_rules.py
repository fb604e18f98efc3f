"""The catalogue rules a parts price row must satisfy, shared by the record and batch paths.

Both paths refuse the same rows with the same field and message because both ask
these functions (which ask the inventory domain).
"""

from __future__ import annotations

from fours_domain.inventory.model import Part, part_class, part_name
from fours_domain.org.model import MasterDataScope
from fours_domain.shared.errors import DomainError
from fours_domain.shared.money import Money

UNCLASSIFIED = "UNCLASSIFIED"
"""The class of a new part the file does not classify."""
GROUP = MasterDataScope.group().key
"""Parts from price files go to the group-wide catalogue."""


def new_part(
    number: str, name: str, klass: str | None, brand: str | None, retail: Money, dealer: Money
) -> Part | tuple[str, str]:
    """The catalogue entry a new part's row makes, or the ``(field, message)`` it breaks.

    Shared by the record and the batch path so both refuse the same rows alike.
    """
    try:
        part_name(name)
    except DomainError as error:
        return "name", error.message
    try:
        part_class(klass or UNCLASSIFIED)
    except DomainError as error:
        return "part_class", error.message
    try:
        return Part(
            scope_key=GROUP,
            number=number,
            name=name,
            part_class=klass or UNCLASSIFIED,
            list_price=retail,
            cost_price=dealer,
            supplier=brand or "",
        )
    except DomainError as error:
        return "brand", error.message


def name_error(name: str) -> str | None:
    """Why ``name`` cannot be a part's name (a rename obeys the rule new parts do)."""
    try:
        part_name(name)
    except DomainError as error:
        return error.message
    return None
