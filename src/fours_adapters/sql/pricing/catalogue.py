"""Pricing's ``PartListPrices`` port bound to the inventory parts catalogue (``inv_parts``)."""

from __future__ import annotations

from fours_domain.inventory.ports import PartRepository
from fours_domain.inventory.services import visible_part
from fours_domain.pricing.parts import PartListing
from fours_domain.shared.catalogue import PartNumber
from fours_domain.shared.ids import BusinessUnitId


class SqlPartListPrices:
    """List price and part class of the catalogue entry a store sees.

    Reads through the inventory ``SqlPartRepository`` of the same session, with the
    inventory's own lookup order (``visible_part``): the store's business-unit entry,
    else the group's — so pricing and stock never disagree on which entry a store uses.
    """

    def __init__(self, parts: PartRepository) -> None:
        self._parts = parts

    def listing(
        self, business_unit_id: BusinessUnitId | None, part_number: PartNumber
    ) -> PartListing | None:
        part = visible_part(self._parts, business_unit_id, part_number)
        if part is None:
            return None
        return PartListing(part.number, part.part_class, part.list_price, part.scope)
