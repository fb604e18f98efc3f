"""STAR XML (Rev 5.5.4) feeds: ``ProcessVehicleInventory``, ``ProcessPartsInventory`` and
``ProcessVehicleOrder`` in; ``ShowVehicleInventory`` and ``AcknowledgeVehicleInventory`` out."""

from fours_adapters.dms.star.feed import StarFeed

__all__ = ["StarFeed"]
