"""``fours parts``: the parts and accessories catalogue (配件主数据)."""

from __future__ import annotations

from typing import Any

import click

from fours_cli.output import Amount, emit, fail, state, value_or_fail
from fours_cli.output import finish as _done
from fours_domain.inventory import services as svc
from fours_domain.inventory.model import MovementClass, Part, format_fitment
from fours_domain.shared.money import Money

CSV_COLUMNS = (
    "number",
    "name",
    "part_class",
    "list_price",
    "cost_price",
    "supplier",
    "fits",
    "movement_class",
)


def part_dict(part: Part) -> dict[str, Any]:
    return {
        "number": part.number,
        "scope": part.scope_key,
        "name": part.name,
        "part_class": part.part_class,
        "list_price": str(part.list_price.amount),
        "cost_price": str(part.cost_price.amount),
        "supplier": part.supplier,
        "fits": [format_fitment(p) for p in part.fits],
        "movement_class": part.movement_class.value,
    }


@click.group()
def parts() -> None:
    """The parts and accessories catalogue: add, import, show, list."""


@parts.command("add")
@click.argument("number")
@click.argument("name")
@click.option("--class", "part_class", required=True, help="MAINTENANCE, REPAIR, BODY, ACCESSORY…")
@click.option("--list-price", type=Amount(), required=True, help="List price in CNY, e.g. 1299.50.")
@click.option("--cost-price", type=Amount(), required=True, help="Cost price in CNY.")
@click.option("--supplier", default="", help="Supplier name.")
@click.option("--fits", multiple=True, help="BRAND[/MODEL[/TRIM…]] it fits (repeatable).")
@click.option(
    "--movement",
    type=click.Choice([m.value for m in MovementClass]),
    default="fast",
    show_default=True,
)
@click.option("--unit", "unit_id", default=None, help="Business unit owning it (default: group).")
def add(
    number: str,
    name: str,
    part_class: str,
    list_price: Money,
    cost_price: Money,
    supplier: str,
    fits: tuple[str, ...],
    movement: str,
    unit_id: str | None,
) -> None:
    """Add a part to the catalogue (part number unique per scope)."""
    cmd = svc.AddPart(
        number,
        name,
        part_class,
        list_price,
        cost_price,
        supplier,
        fits,
        MovementClass(movement),
        unit_id,
    )
    _done(svc.add_part(state().app.uow(), cmd), part_dict)


@parts.command("import")
@click.argument("csv_file", type=click.File("r", encoding="utf-8-sig"))
@click.option("--unit", "unit_id", default=None, help="Business unit owning them (default: group).")
def import_csv(csv_file: Any, unit_id: str | None) -> None:
    """Import a catalogue CSV; all rows or none.

    Columns (header row): number, name, part_class, list_price, cost_price and
    optionally supplier, fits (``;``-separated, e.g. ``AUDI/A6L;AUDI/Q5L``),
    movement_class (fast, slow, dead).
    """
    import csv

    from fours_domain.shared.errors import InvariantViolation

    reader = csv.DictReader(csv_file)
    missing = [c for c in CSV_COLUMNS[:5] if c not in (reader.fieldnames or [])]
    if missing:
        fail(InvariantViolation(f"the CSV lacks column(s): {', '.join(missing)}"))
    rows = []
    for line_no, row in enumerate(reader, start=2):
        movement = (row.get("movement_class") or "fast").strip().lower()
        if movement not in {m.value for m in MovementClass}:
            fail(InvariantViolation(f"line {line_no}: movement class {movement!r} is unknown"))
        rows.append(
            svc.AddPart(
                row["number"] or "",
                row["name"] or "",
                row["part_class"] or "",
                row["list_price"] or "",
                row["cost_price"] or "",
                row.get("supplier") or "",
                tuple(f for f in (row.get("fits") or "").split(";") if f.strip()),
                MovementClass(movement),
                unit_id,
            )
        )
    _done(
        svc.import_parts(
            state().app.uow(), svc.ImportParts(tuple(rows), first_row=2, row_label="line")
        ),
        lambda added: {"imported": len(added), "numbers": [p.number for p in added]},
        lambda data: f"imported {data['imported']} part(s)",
    )


@parts.command("show")
@click.argument("number")
def show(number: str) -> None:
    """A part's catalogue entries (per scope) and where it is available in the group."""
    st = state()
    entries = [part_dict(p) for p in value_or_fail(svc.part_entries(st.app.uow(), number))]
    available = value_or_fail(svc.where_available(st.app.uow(), number, st.app.clock))
    data = {
        "part": entries,
        "available": [
            {"store": a.store_id, "warehouse": a.warehouse_code, "available": a.available}
            for a in available
        ],
    }
    lines = [
        f"{e['number']} {e['name']} [{e['part_class']}] scope {e['scope']}: "
        f"list {e['list_price']}, cost {e['cost_price']}, {e['movement_class']}"
        + (f", fits {', '.join(e['fits'])}" if e["fits"] else "")
        for e in entries
    ]
    lines += [
        f"  {a['store']}/{a['warehouse']}: {a['available']} available" for a in data["available"]
    ]
    emit(data, "\n".join(lines))


@parts.command("list")
def list_parts() -> None:
    """Every catalogue entry."""
    with state().app.uow() as uow:
        rows = [part_dict(p) for p in uow.parts.list()]
    emit(rows)
