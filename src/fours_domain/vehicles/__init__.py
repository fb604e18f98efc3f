"""Vehicles context (整车管理): one aggregate per VIN, its lifecycle, PDI,
reservations, transfers between stores, consignment and group-wide car stock."""
