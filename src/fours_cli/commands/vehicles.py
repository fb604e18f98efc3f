"""``fours vehicles``: cars by VIN — lifecycle, PDI, reservations, transfers, group stock."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click
from returns.result import Result

from fours_cli.output import Amount, emit, state, value_or_fail
from fours_domain.shared.errors import DomainError
from fours_domain.vehicles.lifecycle import VehicleAction, VehicleState
from fours_domain.vehicles.model import REASON_REQUIRED, HistoryEntry, PdiInspection, Vehicle

ACTOR_HELP = "Who does it (defaults to $FOURS_USER, else 'cli')."


def _actor(by: str | None) -> str:
    import os

    return by or os.environ.get("FOURS_USER") or "cli"


def _done(result: Result[Any, DomainError], render: Callable[[Any], tuple[Any, str]]) -> None:
    data, human = render(value_or_fail(result))
    emit(data, human)


def entry_dict(entry: HistoryEntry) -> dict[str, Any]:
    return {
        "seq": entry.seq,
        "at": entry.at.isoformat(),
        "store": entry.store_id,
        "action": entry.action.value,
        "from": None if entry.from_state is None else entry.from_state.value,
        "to": entry.to_state.value,
        "actor": entry.actor,
        "reason": entry.reason,
    }


def _entry(entry: HistoryEntry) -> tuple[dict[str, Any], str]:
    before = entry.from_state.value if entry.from_state else "-"
    return entry_dict(entry), (
        f"{entry.vin}: {before} → {entry.to_state.value} ({entry.action.value}"
        f" at {entry.store_id}{'; ' + entry.reason if entry.reason else ''})"
    )


def vehicle_dict(car: Vehicle) -> dict[str, Any]:
    split = car.invoice_split
    return {
        "vin": car.vin.value,
        "store": car.store_id,
        "state": car.state.value,
        "spec": {
            "brand": car.brand,
            "model": car.model,
            "trim": car.trim,
            "colour": car.colour,
            "interior": car.interior,
            "model_year": car.model_year,
        },
        "engine_number": car.engine_number,
        "certificate_number": car.certificate_number,
        "options": list(car.options),
        "order_number": car.order_number,
        "allocation_number": car.allocation_number,
        "shipped_on": None if car.shipped_on is None else car.shipped_on.isoformat(),
        "eta": None if car.eta is None else car.eta.isoformat(),
        "carrier": car.carrier,
        "invoice_price": None if split is None else str(split.gross.amount),
        "invoice_price_pre_tax": None if split is None else str(split.net.amount),
        "vat": None if split is None else str(split.vat.amount),
        "vat_rate": str(car.vat_rate),
        "invoice_number": car.invoice_number,
        "colour_name": car.colour_name,
        "reserved_for": car.reserved_for,
        "reserved_until": None if car.reserved_until is None else car.reserved_until.isoformat(),
        "transfer_to": car.transfer_to,
        "consigned_to": car.consigned_to,
        "warnings": list(car.vin.warnings),
    }


def _vehicle(car: Vehicle) -> tuple[dict[str, Any], str]:
    warn = "".join(f"\nWarning: {w}" for w in car.vin.warnings)
    return vehicle_dict(car), f"{car.vin} {car.spec} at {car.store_id}: {car.state.value}{warn}"


@click.group()
def vehicles() -> None:
    """Cars by VIN: add, PDI, reserve, transfer, sell, deliver, history, group stock."""


@vehicles.command("add")
@click.argument("vin")
@click.option("--brand", required=True)
@click.option("--model", required=True)
@click.option("--trim", default=None)
@click.option("--colour", "--color", "colour", default=None, help="Exterior colour code.")
@click.option("--interior", default=None, help="Interior code.")
@click.option("--year", "model_year", type=int, default=None, help="Model year.")
@click.option("--engine-number", default=None)
@click.option("--certificate", "certificate_number", default=None, help="合格证号.")
@click.option("--option", "options", multiple=True, help="Option code (repeatable).")
@click.option("--order-number", default=None, help="Manufacturer order number.")
@click.option("--allocation-number", default=None, help="Manufacturer allocation number.")
@click.option("--eta", default=None, help="Expected arrival date (YYYY-MM-DD).")
@click.option("--carrier", default=None)
@click.option(
    "--invoice-price", type=Amount(), default=None, help="Tax-inclusive invoice price (CNY)."
)
@click.option(
    "--state",
    "initial",
    type=click.Choice(["on_order", "in_transit", "arrived"]),
    default="arrived",
    show_default=True,
)
@click.option("--lenient", is_flag=True, help="Accept a wrong VIN check digit (imports).")
@click.option("--by", default=None, help=ACTOR_HELP)
def add(
    vin: str,
    brand: str,
    model: str,
    trim: str | None,
    colour: str | None,
    interior: str | None,
    model_year: int | None,
    engine_number: str | None,
    certificate_number: str | None,
    options: tuple[str, ...],
    order_number: str | None,
    allocation_number: str | None,
    eta: str | None,
    carrier: str | None,
    invoice_price: Any,
    initial: str,
    lenient: bool,
    by: str | None,
) -> None:
    """Add a car (by VIN) to --store: ordered, in transit or arrived."""
    import pendulum

    from fours_domain.shared.catalogue import VehicleSpec
    from fours_domain.shared.identifiers import VinCheck
    from fours_domain.vehicles import services as svc
    from fours_domain.vehicles.model import ManufacturerData

    st = state()
    try:
        eta_date = None if eta is None else pendulum.Date.fromisoformat(eta)
    except ValueError:
        raise click.BadParameter(
            f"{eta!r} is not a date (YYYY-MM-DD)", param_hint="--eta"
        ) from None
    spec = VehicleSpec(brand, model, trim, colour, interior, model_year)
    data = ManufacturerData(
        order_number=order_number,
        allocation_number=allocation_number,
        eta=eta_date,
        carrier=carrier,
        invoice_price=invoice_price,
    )
    cmd = svc.AddVehicle(
        store_id=st.require_store(),
        vin=vin,
        spec=spec,
        actor=_actor(by),
        state=VehicleState(initial.upper()),
        engine_number=engine_number,
        certificate_number=certificate_number,
        options=options,
        manufacturer=data,
        vin_check=VinCheck.LENIENT if lenient else VinCheck.STRICT,
    )
    _done(svc.add_vehicle(st.app.uow(), cmd, st.app.clock), _vehicle)


@vehicles.command("pdi")
@click.argument("vin")
@click.option("--inspector", required=True, help="Who inspected the car.")
@click.option(
    "--item",
    "items",
    multiple=True,
    required=True,
    help="Checklist item: name=ok or name=fail:note (repeatable).",
)
@click.option("--findings", default=None, help="What the inspector found.")
def pdi(vin: str, inspector: str, items: tuple[str, ...], findings: str | None) -> None:
    """Record a pre-delivery inspection (新车首检): pass → IN_STOCK, fail → PDI_FAILED."""
    from fours_domain.vehicles import services as svc
    from fours_domain.vehicles.model import ChecklistItem

    st = state()
    cmd = svc.InspectVehicle(
        st.require_store(), vin, inspector, tuple(ChecklistItem.parse(i) for i in items), findings
    )

    def render(found: PdiInspection) -> tuple[dict[str, Any], str]:
        failed = _failed_items(found)
        return inspection_dict(found), (
            f"{found.vin}: PDI #{found.number} "
            + ("passed → IN_STOCK" if found.passed else f"failed ({failed}) → PDI_FAILED")
        )

    _done(svc.inspect_vehicle(st.app.uow(), cmd, st.app.clock), render)


def inspection_dict(found: PdiInspection) -> dict[str, Any]:
    return {
        "vin": found.vin.value,
        "number": found.number,
        "store": found.store_id,
        "at": found.inspected_at.isoformat(),
        "passed": found.passed,
        "inspector": found.inspector,
        "items": [{"name": i.name, "ok": i.ok, "note": i.note} for i in found.items],
        "findings": found.findings,
    }


def _failed_items(found: PdiInspection) -> str:
    return ", ".join(f"{i.name} ({i.note})" if i.note else i.name for i in found.failed_items)


def _inspections_text(car: Vehicle) -> str:
    if not car.inspections:
        return "PDI: none yet"
    lines = ["PDI:"]
    for found in car.inspections:
        verdict = "passed" if found.passed else f"FAILED ({_failed_items(found)})"
        lines.append(
            f"  #{found.number} {found.inspected_at.to_iso8601_string()} at {found.store_id} "
            f"by {found.inspector}: {verdict}"
            + (f"; findings: {found.findings}" if found.findings else "")
        )
        lines.extend(
            f"     {'ok  ' if item.ok else 'FAIL'} {item.name}"
            + (f": {item.note}" if item.note else "")
            for item in found.items
        )
    return "\n".join(lines)


@vehicles.command("reserve")
@click.argument("vin")
@click.option("--customer", default=None, help="Reserve for this customer.")
@click.option("--order", "sales_order", default=None, help="Reserve for this sales order.")
@click.option("--hours", type=int, default=None, help="Expire after this many hours.")
@click.option("--by", default=None, help=ACTOR_HELP)
def reserve(
    vin: str, customer: str | None, sales_order: str | None, hours: int | None, by: str | None
) -> None:
    """Reserve a car of --store for a customer or a sales order (预留)."""
    from fours_domain.vehicles import services as svc
    from fours_domain.vehicles.model import HolderKind

    if (customer is None) == (sales_order is None):
        raise click.UsageError("give exactly one of --customer or --order")
    st = state()
    kind = HolderKind.CUSTOMER if customer else HolderKind.SALES_ORDER
    until = None if hours is None else st.app.clock.now().add(hours=hours)
    cmd = svc.ReserveVehicle(
        st.require_store(), vin, kind, customer or sales_order or "", _actor(by), until
    )
    _done(svc.reserve_vehicle(st.app.uow(), cmd, st.app.clock), _entry)


def _simple(name: str, action: VehicleAction, doc: str) -> None:
    needs_reason = action in REASON_REQUIRED
    # No default with required=True: click ignores `required` when a default is given.
    reason_option = (
        click.option("--reason", required=True, help="Why (required).")
        if needs_reason
        else click.option("--reason", default=None, help="Why (optional).")
    )

    @vehicles.command(name, help=doc)
    @click.argument("vin")
    @reason_option
    @click.option("--by", default=None, help=ACTOR_HELP)
    def command(vin: str, reason: str | None, by: str | None) -> None:
        from fours_domain.vehicles import services as svc

        st = state()
        cmd = svc.ChangeVehicleState(st.require_store(), vin, action, _actor(by), reason)
        _done(svc.change_vehicle_state(st.app.uow(), cmd, st.app.clock), _entry)


A = VehicleAction
_simple("release", A.RELEASE, "Release a reserved car back to free stock.")
_simple("ship", A.SHIP, "The manufacturer shipped an ordered car (在途).")
_simple("arrive", A.ARRIVE, "An ordered or shipped car arrived at --store (PDI next).")
_simple("repair", A.REPAIR, "A failed-PDI or damaged car was repaired (inspect it again).")
_simple("hold", A.HOLD, "Hold a car back from sale (--reason required).")
_simple("unhold", A.UNHOLD, "Put a held car back on sale.")
_simple("damage", A.DAMAGE, "Record damage to a car (--reason required).")
_simple("return", A.RETURN, "Return a car to the manufacturer (--reason required).")
_simple("deliver", A.DELIVER, "Hand a sold car over to its customer (交车).")
_simple("register", A.REGISTER, "Plates registered for a delivered car (挂牌).")
_simple("end-consignment", A.END_CONSIGNMENT, "Take a consigned car back into stock.")


@vehicles.command("sell")
@click.argument("vin")
@click.option("--buyer", required=True, help="Customer or sales order buying the car.")
@click.option("--by", default=None, help=ACTOR_HELP)
def sell(vin: str, buyer: str, by: str | None) -> None:
    """Sell a car of --store (a reserved car only to its holder)."""
    from fours_domain.vehicles import services as svc

    st = state()
    cmd = svc.SellVehicle(st.require_store(), vin, buyer, _actor(by))
    _done(svc.sell_vehicle(st.app.uow(), cmd, st.app.clock), _entry)


@vehicles.command("transfer")
@click.argument("vin")
@click.option("--to", "to_store", required=True, help="Target store.")
@click.option("--reason", default=None)
@click.option("--by", default=None, help=ACTOR_HELP)
def transfer(vin: str, to_store: str, reason: str | None, by: str | None) -> None:
    """Dispatch a car from --store to another store (调拨): it leaves --store's stock now."""
    from fours_domain.vehicles import services as svc

    st = state()
    cmd = svc.TransferVehicle(st.require_store(), vin, to_store, _actor(by), reason)
    _done(svc.transfer_vehicle(st.app.uow(), cmd, st.app.clock), _entry)


@vehicles.command("receive")
@click.argument("vin")
@click.option("--by", default=None, help=ACTOR_HELP)
def receive(vin: str, by: str | None) -> None:
    """Confirm receipt of a transferred car at --store: only now it counts in its stock."""
    from fours_domain.vehicles import services as svc

    st = state()
    cmd = svc.ReceiveVehicle(st.require_store(), vin, _actor(by))
    _done(svc.receive_vehicle(st.app.uow(), cmd, st.app.clock), _entry)


@vehicles.command("refuse-transfer")
@click.argument("vin")
@click.option("--reason", required=True)
@click.option("--by", default=None, help=ACTOR_HELP)
def refuse(vin: str, reason: str, by: str | None) -> None:
    """Refuse a car transferred to --store: it goes back into the source's stock."""
    from fours_domain.vehicles import services as svc

    st = state()
    cmd = svc.ReceiveVehicle(st.require_store(), vin, _actor(by), reason)
    _done(svc.refuse_transfer(st.app.uow(), cmd, st.app.clock), _entry)


@vehicles.command("consign")
@click.argument("vin")
@click.option(
    "--to",
    "company",
    required=True,
    help="Code of the group company selling it (委托销售); not --store's own company.",
)
@click.option("--reason", default=None, help="Why (optional).")
@click.option("--by", default=None, help=ACTOR_HELP)
def consign(vin: str, company: str, reason: str | None, by: str | None) -> None:
    """Consign a car of --store to another company of the group (see `fours org companies`)."""
    from fours_domain.vehicles import services as svc

    st = state()
    cmd = svc.ConsignVehicle(st.require_store(), vin, company, _actor(by), reason)
    _done(svc.consign_vehicle(st.app.uow(), cmd, st.app.clock), _entry)


@vehicles.command("expire-reservations")
def expire() -> None:
    """Release every reservation past its deadline (of --store, or the whole group)."""
    from fours_domain.vehicles import services as svc

    st = state()
    _done(
        svc.expire_reservations(st.app.uow(), st.app.clock, st.store),
        lambda vins: (
            [v.value for v in vins],
            f"{len(vins)} reservation(s) expired" + "".join(f"\n  {v}" for v in vins),
        ),
    )


@vehicles.command("show")
@click.argument("vin")
def show(vin: str) -> None:
    """One car's master data, state and PDI inspections."""
    from fours_domain.vehicles import services as svc

    def render(found: tuple[Vehicle, Any]) -> tuple[dict[str, Any], str]:
        car = found[0]
        data, head = _vehicle(car)
        return {**data, "inspections": [inspection_dict(i) for i in car.inspections]}, (
            head + "\n" + _inspections_text(car)
        )

    _done(svc.vehicle_history(state().app.uow(), vin), render)


@vehicles.command("history")
@click.argument("vin")
def history(vin: str) -> None:
    """Every transition of one car — when, where, what, who and why — and its PDIs."""
    from fours_cli.output import table
    from fours_domain.vehicles import services as svc

    def render(found: tuple[Vehicle, Any]) -> tuple[dict[str, Any], str]:
        car, entries = found
        rows = [entry_dict(e) for e in entries]
        head = f"{car.vin} {car.spec}: {car.state.value} at {car.store_id}"
        data = {
            **vehicle_dict(car),
            "history": rows,
            "inspections": [inspection_dict(i) for i in car.inspections],
        }
        return data, head + "\n" + table(rows) + "\n" + _inspections_text(car)

    _done(svc.vehicle_history(state().app.uow(), vin), render)


@vehicles.command("pdi-report")
@click.argument("vin")
def pdi_report(vin: str) -> None:
    """Every pre-delivery inspection (新车首检) of one car, item by item."""
    from fours_domain.vehicles import services as svc

    def render(found: tuple[Vehicle, Any]) -> tuple[list[dict[str, Any]], str]:
        car = found[0]
        return [inspection_dict(i) for i in car.inspections], (
            f"{car.vin} {car.spec}: {car.state.value} at {car.store_id}\n" + _inspections_text(car)
        )

    _done(svc.vehicle_history(state().app.uow(), vin), render)


@vehicles.command("find")
@click.option("--brand", default=None)
@click.option("--model", default=None)
@click.option("--trim", default=None)
@click.option("--colour", "--color", "colour", default=None)
@click.option(
    "--state",
    "states",
    multiple=True,
    type=click.Choice([s.value for s in VehicleState], case_sensitive=False),
    help="Only cars in this state (repeatable; default: at a store or in transfer).",
)
@click.option("--free", "availability", flag_value="free", help="Only free cars.")
@click.option("--reserved", "availability", flag_value="reserved", help="Only reserved cars.")
@click.option(
    "--min-days", type=click.IntRange(min=0), default=None, help="In stock at least N days."
)
@click.option(
    "--max-days", type=click.IntRange(min=0), default=None, help="In stock at most N days."
)
@click.option(
    "--incoming/--no-incoming",
    default=True,
    show_default=True,
    help="With --store: list the cars in transfer to it.",
)
@click.option(
    "--outgoing",
    is_flag=True,
    help="With --store: also list the cars it dispatched that are still in transfer.",
)
@click.option("--all-stores", is_flag=True, help="Ignore --store: the whole group.")
@click.option("--limit", type=click.IntRange(min=1), default=500, show_default=True)
def find(
    brand: str | None,
    model: str | None,
    trim: str | None,
    colour: str | None,
    states: tuple[str, ...],
    availability: str | None,
    min_days: int | None,
    max_days: int | None,
    incoming: bool,
    outgoing: bool,
    all_stores: bool,
    limit: int,
) -> None:
    """Group-wide car stock (集团车辆全局库存): by brand, store, model, trim, colour,
    state, free or reserved, days in stock.

    With --store: the cars counting in that store's stock, and the cars in
    transfer to it (direction "incoming"); a car it dispatched left its stock at
    dispatch (see --outgoing). A reservation past its deadline counts as free.
    """
    from fours_cli.output import table
    from fours_domain.shared.catalogue import spec_code
    from fours_domain.shared.ids import StoreId
    from fours_domain.vehicles import services as svc
    from fours_domain.vehicles.ports import Availability, CarStockFilter

    st = state()
    now = st.app.clock.now()

    def norm(value: str | None, what: str) -> Any:
        return None if value is None else spec_code(value, what)

    if min_days is not None and max_days is not None and min_days > max_days:
        raise click.BadParameter(
            f"--min-days {min_days} is above --max-days {max_days}", param_hint="--min-days"
        )
    store = None if all_stores or not st.store else StoreId(st.store.strip().upper())
    wanted = CarStockFilter(
        brand=norm(brand, "brand"),
        store_id=store,
        model=norm(model, "model"),
        trim=norm(trim, "trim"),
        colour=norm(colour, "colour"),
        states=frozenset(VehicleState(s.upper()) for s in states) if states else None,
        availability=None if availability is None else Availability(availability),
        limit=limit,
        min_days=min_days,
        max_days=max_days,
        incoming=incoming,
        outgoing=outgoing,
        as_of=now,
    )

    def direction(line: Any) -> str | None:
        if line.state is not VehicleState.IN_TRANSFER:
            return None
        if store is None:
            return f"{line.store_id}→{line.transfer_to}"
        return "incoming" if line.transfer_to == store else "outgoing"

    def render(lines: Any) -> tuple[list[dict[str, Any]], str]:
        rows = [
            {
                "vin": c.vin,
                "store": c.store_id,
                "brand": c.brand,
                "model": c.model,
                "trim": c.trim,
                "colour": c.colour,
                "interior": c.interior,
                "year": c.model_year,
                "state": c.state_at(now).value,
                "reserved_for": None if c.reservation_lapsed(now) else c.reserved_for,
                "reservation_lapsed": c.reservation_lapsed(now),
                "transfer_to": c.transfer_to,
                "transfer": direction(c),
                "days_in_stock": c.days_in_stock(st.app.clock),
            }
            for c in lines
        ]
        shown = [
            {k: v for k, v in row.items() if k not in {"interior", "reservation_lapsed"}}
            for row in rows
        ]
        return rows, table(shown)

    _done(svc.find_cars(st.app.uow(), wanted, st.app.clock), render)
