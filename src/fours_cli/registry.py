"""What the CLI offers, as plain data: imported by ``main`` without click."""

from __future__ import annotations

#: name → (module, attribute, one-line help). A bounded context adds its group here.
COMMAND_GROUPS: dict[str, tuple[str, str, str]] = {
    "db": ("fours_cli.commands.db", "db", "Create, upgrade and inspect the database schema."),
    "dms": (
        "fours_cli.commands.dms",
        "dms",
        "Manufacturer DMS feeds: import and export STAR XML, CSV and more.",
    ),
    "org": (
        "fours_cli.commands.org",
        "org",
        "Group, regions, companies, stores, showrooms, warehouses, bins.",
    ),
    "prices": (
        "fours_cli.commands.prices",
        "prices",
        "Price schemes, resolution with explanations, authority ladder, parts.",
    ),
    "quotes": (
        "fours_cli.commands.quotes",
        "quotes",
        "Vehicle quotes, approvals and acceptance (frozen once accepted).",
    ),
    "rebates": (
        "fours_cli.commands.rebates",
        "rebates",
        "Manufacturer rebates: estimate, confirm, settle, reconcile.",
    ),
    "vehicles": (
        "fours_cli.commands.vehicles",
        "vehicles",
        "Cars by VIN: lifecycle, PDI, reservations, transfers, stock.",
    ),
    "parts": (
        "fours_cli.commands.parts",
        "parts",
        "Parts and accessories catalogue: add, import, show.",
    ),
    "stock": (
        "fours_cli.commands.stock",
        "stock",
        "Parts stock: receive, issue, reserve, transfer, lend, count, alerts.",
    ),
}
