"""``fours stock``: receive, issue, move, reserve, release, transfer, count, alerts.

Request lines are written ``PART:QTY`` (``4H0-698-151:2``); count lines
``BIN:PART:COUNTED``. Everything acts in ``--store`` except ``available``,
which looks across the whole group (``--store`` narrows it to one store).
"""

from __future__ import annotations

from typing import Any

import click

from fours_cli.output import fail, state
from fours_cli.output import finish as _done
from fours_domain.inventory import services as svc
from fours_domain.inventory.model import (
    LedgerEntry,
    Reservation,
    ReservationPurpose,
    ShortagePolicy,
    Transfer,
)
from fours_domain.shared.errors import InvariantViolation


def _lines(raw: tuple[str, ...]) -> tuple[svc.PartQuantity, ...]:
    lines = []
    for text in raw:
        part, sep, qty = text.rpartition(":")
        if not sep or not part or not qty.strip().isdigit():
            fail(InvariantViolation(f"line {text!r} must be PART:QTY, e.g. 4H0-698-151:2"))
        lines.append(svc.PartQuantity(part, int(qty)))
    return tuple(lines)


def _place(text: str) -> tuple[str, str]:
    warehouse, sep, bin_code = text.partition("/")
    if not sep or not warehouse or not bin_code:
        fail(InvariantViolation(f"place {text!r} must be WAREHOUSE/BIN"))
    return warehouse, bin_code


def entry_dict(entry: LedgerEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "kind": entry.kind.value,
        "store": entry.store_id,
        "warehouse": entry.warehouse_code,
        "bin": entry.bin_code,
        "part": entry.part_number,
        "quantity": entry.quantity,
        "reference": entry.reference,
        "at": entry.at.to_iso8601_string(),
    }


def reservation_dict(r: Reservation) -> dict[str, Any]:
    return {
        "id": r.id,
        "store": r.store_id,
        "warehouse": r.warehouse_code,
        "bin": r.bin_code,
        "part": r.part_number,
        "quantity": r.quantity,
        "purpose": r.purpose.value,
        "reference": r.reference,
        "status": r.status.value,
        "expires_at": r.expires_at.to_iso8601_string() if r.expires_at else None,
    }


def transfer_dict(t: Transfer) -> dict[str, Any]:
    return {
        "id": t.id,
        "from_store": t.store_id,
        "from_warehouse": t.from_warehouse_code,
        "to_store": t.to_store_id,
        "to_warehouse": t.to_warehouse_code,
        "status": t.status.value,
        "eta": t.eta.to_iso8601_string() if t.eta else None,
        "lines": [
            {"part": line.part_number, "quantity": line.quantity, "from_bin": line.from_bin_code}
            for line in t.lines
        ],
    }


@click.group()
def stock() -> None:
    """Parts stock of --store: receive, issue, move, reserve, transfer, count, alerts."""


@stock.command("receive")
@click.argument("warehouse")
@click.argument("bin_code", metavar="BIN")
@click.argument("lines", nargs=-1, required=True)
@click.option("--ref", "reference", default="", help="Delivery note or purchase order.")
@click.option("--expected", "expected_id", default=None, help="Expected receipt it fulfils.")
def receive(
    warehouse: str, bin_code: str, lines: tuple[str, ...], reference: str, expected_id: str | None
) -> None:
    """Receive parts into a bin (入库); open backorders are served first-come."""
    st = state()
    cmd = svc.ReceiveParts(
        st.require_store(), warehouse, bin_code, _lines(lines), reference, expected_id
    )
    _done(svc.receive_parts(st.app.uow(), cmd, st.app.clock, st.app.ids), _entries)


def _entries(entries: list[LedgerEntry]) -> list[dict[str, Any]]:
    return [entry_dict(e) for e in entries]


@stock.command("expect")
@click.argument("warehouse")
@click.argument("line", metavar="PART:QTY")
@click.option("--eta-hours", type=int, required=True, help="Expected arrival, hours from now.")
@click.option("--ref", "reference", default="", help="Purchase order number.")
def expect(warehouse: str, line: str, eta_hours: int, reference: str) -> None:
    """Record parts on order (在途采购) for a warehouse of --store, with their ETA."""
    st = state()
    (wanted,) = _lines((line,))
    cmd = svc.ExpectParts(
        st.require_store(),
        warehouse,
        wanted.part,
        wanted.quantity,
        st.app.clock.now().add(hours=eta_hours),
        reference,
    )
    _done(
        svc.expect_parts(st.app.uow(), cmd, st.app.ids),
        lambda r: {
            "id": r.id,
            "store": r.store_id,
            "warehouse": r.warehouse_code,
            "part": r.part_number,
            "quantity": r.quantity,
            "eta": r.eta.to_iso8601_string(),
            "reference": r.reference,
        },
    )


@stock.command("issue")
@click.argument("warehouse", required=False)
@click.argument("lines", nargs=-1)
@click.option("--reservation", "reservation_id", default=None, help="Issue a reservation.")
@click.option("--ref", "reference", default="", help="Work order, invoice…")
def issue(
    warehouse: str | None, lines: tuple[str, ...], reservation_id: str | None, reference: str
) -> None:
    """Issue parts (出库): a reservation with --reservation, or unreserved lines."""
    st = state()
    store = st.require_store()
    if reservation_id:
        cmd = svc.IssueReservation(store, reservation_id)
        _done(
            svc.issue_reservation(st.app.uow(), cmd, st.app.clock, st.app.ids),
            lambda e: [entry_dict(e)],
        )
        return
    if not warehouse or not lines:
        raise click.UsageError("give WAREHOUSE and PART:QTY lines, or --reservation ID")
    issue_cmd = svc.IssueParts(store, warehouse, _lines(lines), reference)
    _done(svc.issue_parts(st.app.uow(), issue_cmd, st.app.clock, st.app.ids), _entries)


@stock.command("move")
@click.argument("part")
@click.argument("quantity", type=int)
@click.argument("source", metavar="FROM_WAREHOUSE/BIN")
@click.argument("target", metavar="TO_WAREHOUSE/BIN")
def move(part: str, quantity: int, source: str, target: str) -> None:
    """Move unreserved parts between bins or warehouses (移库)."""
    st = state()
    (fw, fb), (tw, tb) = _place(source), _place(target)
    cmd = svc.MoveParts(st.require_store(), part, quantity, fw, fb, tw, tb)
    _done(
        svc.move_parts(st.app.uow(), cmd, st.app.clock, st.app.ids),
        lambda pair: [entry_dict(e) for e in pair],
    )


@stock.command("reserve")
@click.argument("warehouse")
@click.argument("lines", nargs=-1, required=True)
@click.option(
    "--for",
    "purpose",
    type=click.Choice([p.value for p in ReservationPurpose]),
    default="work_order",
    show_default=True,
)
@click.option("--ref", "reference", required=True, help="Work order / sale / order number.")
@click.option("--backorder", is_flag=True, help="Reserve what is there, backorder the rest.")
@click.option("--expires-in", type=int, default=None, help="Hours until the reservation lapses.")
def reserve(
    warehouse: str,
    lines: tuple[str, ...],
    purpose: str,
    reference: str,
    backorder: bool,
    expires_in: int | None,
) -> None:
    """Reserve parts (预留); all or nothing unless --backorder."""
    st = state()
    now = st.app.clock.now()
    cmd = svc.ReserveParts(
        st.require_store(),
        warehouse,
        _lines(lines),
        ReservationPurpose(purpose),
        reference,
        ShortagePolicy.BACKORDER if backorder else ShortagePolicy.ALL_OR_NOTHING,
        now.add(hours=expires_in) if expires_in else None,
    )
    _done(
        svc.reserve_parts(st.app.uow(), cmd, st.app.clock, st.app.ids),
        lambda o: {
            "reservations": [reservation_dict(r) for r in o.reservations],
            "backorders": [
                {"id": b.id, "part": b.part_number, "quantity": b.open_quantity}
                for b in o.backorders
            ],
        },
        _reserved_text,
    )


def _reserved_text(data: dict[str, Any]) -> str:
    lines = [
        f"reserved {r['quantity']} × {r['part']} in {r['warehouse']}/{r['bin']}: {r['id']}"
        for r in data["reservations"]
    ]
    lines += [f"backordered {b['quantity']} × {b['part']}: {b['id']}" for b in data["backorders"]]
    return "\n".join(lines)


@stock.command("release")
@click.argument("reservation_id")
def release(reservation_id: str) -> None:
    """Release a reservation: its parts become available again."""
    st = state()
    cmd = svc.ReleaseReservation(st.require_store(), reservation_id)
    _done(svc.release_reservation(st.app.uow(), cmd, st.app.clock), reservation_dict)


@stock.command("expire")
def expire() -> None:
    """Expire the reservations of --store whose time is up."""
    st = state()
    cmd = svc.ExpireReservations(st.require_store())
    _done(
        svc.expire_reservations(st.app.uow(), cmd, st.app.clock),
        lambda rs: [reservation_dict(r) for r in rs],
    )


@stock.command("transfer")
@click.argument("warehouse")
@click.argument("lines", nargs=-1, required=True)
@click.option("--to", "to_store", required=True, help="Receiving store.")
@click.option("--to-warehouse", default=None, help="Receiving warehouse (default: same code).")
@click.option("--eta-hours", type=int, default=None, help="Expected arrival, hours from now.")
@click.option("--ref", "reference", default="", help="Transfer order number.")
def transfer(
    warehouse: str,
    lines: tuple[str, ...],
    to_store: str,
    to_warehouse: str | None,
    eta_hours: int | None,
    reference: str,
) -> None:
    """Send parts to another store (调拨): out now, in transit until received."""
    st = state()
    eta = st.app.clock.now().add(hours=eta_hours) if eta_hours is not None else None
    cmd = svc.DispatchTransfer(
        st.require_store(),
        warehouse,
        to_store,
        to_warehouse or warehouse,
        _lines(lines),
        eta,
        reference,
    )
    _done(svc.dispatch_transfer(st.app.uow(), cmd, st.app.clock, st.app.ids), transfer_dict)


@stock.command("receive-transfer")
@click.argument("transfer_id")
@click.argument("bin_code", metavar="BIN")
def receive_transfer(transfer_id: str, bin_code: str) -> None:
    """Confirm receipt of a transfer into a bin of --store."""
    st = state()
    cmd = svc.ReceiveTransfer(st.require_store(), transfer_id, bin_code)
    _done(svc.receive_transfer(st.app.uow(), cmd, st.app.clock, st.app.ids), transfer_dict)


@stock.command("count")
@click.argument("warehouse")
@click.argument("counts", nargs=-1)
@click.option("--ref", "reference", default="", help="Stocktake reference.")
def count(warehouse: str, counts: tuple[str, ...], reference: str) -> None:
    """Stocktake (盘点): without counts print the count sheet; with
    BIN:PART:COUNTED lines post them and print the variance report."""
    st = state()
    store = st.require_store()
    if not counts:
        _done(
            svc.count_sheet(st.app.uow(), store, warehouse),
            lambda lines: [
                {
                    "bin": line.location.bin_code,
                    "part": line.location.part_number,
                    "book": line.on_hand,
                    "reserved": line.reserved,
                }
                for line in lines
            ],
        )
        return
    parsed = []
    for text in counts:
        bits = text.rsplit(":", 1)
        head = bits[0].split(":", 1)
        if len(bits) != 2 or len(head) != 2 or not bits[1].strip().isdigit():
            fail(InvariantViolation(f"count {text!r} must be BIN:PART:COUNTED"))
        parsed.append(svc.CountLine(head[0], head[1], int(bits[1])))
    cmd = svc.CountStock(store, warehouse, tuple(parsed), reference)
    _done(svc.count_stock(st.app.uow(), cmd, st.app.clock, st.app.ids), _variance, _variance_text)


def _variance(report: Any) -> dict[str, Any]:
    return {
        "reference": report.reference,
        "lines": [
            {
                "bin": line.location.bin_code,
                "part": line.location.part_number,
                "book": line.book,
                "counted": line.counted,
                "variance": line.variance,
                "value": str(line.value.amount),
            }
            for line in report.lines
        ],
        "quantity_variance": report.quantity_variance,
        "value_variance": str(report.value_variance.amount),
        "error_rate": str(report.error_rate),
        "line_error_rate": str(report.line_error_rate),
        "within_target": report.within_target,
    }


def _variance_text(data: dict[str, Any]) -> str:
    from fours_cli.output import table

    verdict = "within" if data["within_target"] else "ABOVE"
    return (
        table(data["lines"])
        + f"\nvariance {data['quantity_variance']} units, {data['value_variance']} CNY; "
        + f"error rate {float(data['error_rate']):.2%} ({verdict} the 2% target)"
    )


@stock.command("available")
@click.argument("part")
def available(part: str) -> None:
    """Where PART is available across the group (集团配件库存)."""
    st = state()
    only = st.store.upper() if st.store else None
    _done(
        svc.where_available(st.app.uow(), part),
        lambda rows: [
            {
                "store": a.store_id,
                "warehouse": a.warehouse_code,
                "on_hand": a.on_hand,
                "reserved": a.reserved,
                "available": a.available,
            }
            for a in rows
            if only is None or a.store_id == only
        ],
    )


@stock.command("alerts")
@click.option("--dead-days", type=int, default=180, show_default=True, help="Dead stock age.")
@click.option("--horizon-days", type=int, default=1, show_default=True, help="Arrivals due within.")
def alerts(dead_days: int, horizon_days: int) -> None:
    """Below safety stock, dead stock, and expected arrivals of --store."""
    st = state()
    _done(
        svc.stock_alerts(
            st.app.uow(),
            st.require_store(),
            st.app.clock,
            dead_after_days=dead_days,
            arrival_horizon_days=horizon_days,
        ),
        lambda rows: [
            {
                "kind": a.kind.value,
                "warehouse": a.warehouse_code,
                "part": a.part_number,
                "quantity": a.quantity,
                "message": a.message,
            }
            for a in rows
        ],
    )


@stock.command("safety")
@click.argument("warehouse")
@click.argument("part")
@click.argument("quantity", type=int)
def safety(warehouse: str, part: str, quantity: int) -> None:
    """Set the safety stock (安全库存) of PART in a warehouse of --store."""
    st = state()
    cmd = svc.SetSafetyStock(st.require_store(), warehouse, part, quantity)
    _done(
        svc.set_safety_stock(st.app.uow(), cmd),
        lambda r: {
            "store": r.store_id,
            "warehouse": r.warehouse_code,
            "part": r.part_number,
            "quantity": r.quantity,
        },
    )
