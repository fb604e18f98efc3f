"""``fours stock``: receive, issue, move, reserve, release, transfer, lend, count, alerts.

Request lines are written ``PART:QTY`` (``4H0-698-151:2``); count lines
``BIN:PART:COUNTED``. Everything acts in ``--store`` except ``available``,
which looks across the whole group (``--store`` narrows it to one store).
"""

from __future__ import annotations

from typing import Any

import click

from fours_cli.output import fail, state, table
from fours_cli.output import finish as _done
from fours_domain.inventory import services as svc
from fours_domain.inventory.model import (
    Backorder,
    LedgerEntry,
    Loan,
    Reservation,
    ReservationPurpose,
    ShortagePolicy,
    Transfer,
)
from fours_domain.inventory.reports import whole_days
from fours_domain.shared.errors import InvariantViolation

# Numeric positional arguments: a negative number must reach our own type (which
# names the argument) instead of being taken for an unknown option by click.
NUMERIC_ARGS = {"ignore_unknown_options": True}


class PositiveInt(click.ParamType[int]):
    """A whole number ≥ 1 (≥ 0 with ``zero=True``), refused with a message naming the argument."""

    name = "integer"

    def __init__(self, *, zero: bool = False) -> None:
        self.zero = zero

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        else:
            text = str(value).strip()
            if not text.lstrip("-").isdigit():
                self.fail(f"{value!r} is not a whole number", param, ctx)
            number = int(text)
        if number < (0 if self.zero else 1):
            wanted = "0 or more" if self.zero else "a positive whole number"
            self.fail(f"{number} is not allowed: give {wanted}", param, ctx)
        return number


def _lines(raw: tuple[str, ...]) -> tuple[svc.PartQuantity, ...]:
    lines = []
    for text in raw:
        part, sep, qty = text.rpartition(":")
        if not sep or not part.strip() or not qty.strip():
            fail(InvariantViolation(f"line {text!r} must be PART:QTY, e.g. 4H0-698-151:2"))
        if not qty.strip().isdigit() or int(qty) <= 0:
            fail(
                InvariantViolation(
                    f"line {text!r}: quantity {qty.strip()!r} must be a positive whole number"
                )
            )
        lines.append(svc.PartQuantity(part, int(qty)))
    return tuple(lines)


def _place(text: str) -> tuple[str, str]:
    warehouse, sep, bin_code = text.partition("/")
    if not sep or not warehouse or not bin_code:
        fail(InvariantViolation(f"place {text!r} must be WAREHOUSE/BIN"))
    return warehouse, bin_code


def _iso(value: Any) -> str | None:
    return None if value is None else str(value.to_iso8601_string())


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


def reservation_dict(r: Reservation, now: Any = None) -> dict[str, Any]:
    data = {
        "id": r.id,
        "store": r.store_id,
        "warehouse": r.warehouse_code,
        "bin": r.bin_code,
        "part": r.part_number,
        "quantity": r.quantity,
        "purpose": r.purpose.value,
        "reference": r.reference,
        "status": r.status.value,
        "expires_at": _iso(r.expires_at),
        "backorder": r.backorder_id,
    }
    if now is not None:
        data["lapsed"] = r.is_expired(now)
    return data


def backorder_dict(b: Backorder) -> dict[str, Any]:
    return {
        "id": b.id,
        "store": b.store_id,
        "warehouse": b.warehouse_code,
        "part": b.part_number,
        "quantity": b.quantity,
        "open_quantity": b.open_quantity,
        "purpose": b.purpose.value,
        "reference": b.reference,
        "status": b.status.value,
        "created_at": _iso(b.created_at),
        "cancel_reason": b.cancel_reason,
    }


def transfer_dict(t: Transfer) -> dict[str, Any]:
    return {
        "id": t.id,
        "from_store": t.store_id,
        "from_warehouse": t.from_warehouse_code,
        "to_store": t.to_store_id,
        "to_warehouse": t.to_warehouse_code,
        "status": t.status.value,
        "eta": _iso(t.eta),
        "refuse_reason": t.refuse_reason,
        "lines": [
            {"part": line.part_number, "quantity": line.quantity, "from_bin": line.from_bin_code}
            for line in t.lines
        ],
    }


def loan_dict(loan: Loan, now: Any) -> dict[str, Any]:
    overdue = loan.is_overdue(now)
    return {
        "id": loan.id,
        "store": loan.store_id,
        "warehouse": loan.warehouse_code,
        "bin": loan.bin_code,
        "part": loan.part_number,
        "quantity": loan.quantity,
        "outstanding": loan.outstanding,
        "borrower": loan.borrower,
        "lent_at": _iso(loan.lent_at),
        "due_at": _iso(loan.due_at),
        "overdue": overdue,
        "days_overdue": whole_days(loan.due_at, now) if overdue else 0,
    }


def _allocations_text(allocations: list[dict[str, Any]]) -> list[str]:
    return [
        f"allocated {a['quantity']} × {a['part']} in {a['warehouse']}/{a['bin']} to backorder "
        f"{a['backorder']} ({a['purpose']} {a['reference']}): reservation {a['id']}"
        for a in allocations
    ]


@click.group()
def stock() -> None:
    """Parts stock of --store: receive, issue, move, reserve, transfer, lend, count, alerts."""


@stock.command("receive")
@click.argument("warehouse")
@click.argument("bin_code", metavar="BIN")
@click.argument("lines", nargs=-1, required=True)
@click.option("--ref", "reference", default="", help="Delivery note or purchase order.")
@click.option("--expected", "expected_id", default=None, help="Expected receipt it fulfils.")
def receive(
    warehouse: str, bin_code: str, lines: tuple[str, ...], reference: str, expected_id: str | None
) -> None:
    """Receive parts into a bin (入库); open backorders are served oldest first and
    the reservations made for them are listed."""
    st = state()
    cmd = svc.ReceiveParts(
        st.require_store(), warehouse, bin_code, _lines(lines), reference, expected_id
    )
    _done(
        svc.receive_parts(st.app.uow(), cmd, st.app.clock, st.app.ids),
        lambda r: {
            "entries": [entry_dict(e) for e in r.entries],
            "allocations": [reservation_dict(a) for a in r.allocations],
        },
        lambda data: "\n".join([table(data["entries"]), *_allocations_text(data["allocations"])]),
    )


@stock.command("expect")
@click.argument("warehouse")
@click.argument("line", metavar="PART:QTY")
@click.option(
    "--eta-hours", type=PositiveInt(), required=True, help="Expected arrival, hours from now."
)
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


def _entries(entries: list[LedgerEntry]) -> list[dict[str, Any]]:
    return [entry_dict(e) for e in entries]


@stock.command("move", context_settings=NUMERIC_ARGS)
@click.argument("part")
@click.argument("quantity", type=PositiveInt())
@click.argument("source", metavar="FROM_WAREHOUSE/BIN")
@click.argument("target", metavar="TO_WAREHOUSE/BIN")
def move(part: str, quantity: int, source: str, target: str) -> None:
    """Move unreserved parts between bins or warehouses (移库); they keep their age."""
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
@click.option(
    "--expires-in",
    type=PositiveInt(),
    default=None,
    help="Hours until the reservation lapses (at least 1; default: never).",
)
def reserve(
    warehouse: str,
    lines: tuple[str, ...],
    purpose: str,
    reference: str,
    backorder: bool,
    expires_in: int | None,
) -> None:
    """Reserve parts (预留); all or nothing unless --backorder. A reservation past
    its expiry holds nothing any more, whether or not `stock expire` ran."""
    st = state()
    now = st.app.clock.now()
    cmd = svc.ReserveParts(
        st.require_store(),
        warehouse,
        _lines(lines),
        ReservationPurpose(purpose),
        reference,
        ShortagePolicy.BACKORDER if backorder else ShortagePolicy.ALL_OR_NOTHING,
        None if expires_in is None else now.add(hours=expires_in),
    )
    _done(
        svc.reserve_parts(st.app.uow(), cmd, st.app.clock, st.app.ids),
        lambda o: {
            "reservations": [reservation_dict(r) for r in o.reservations],
            "backorders": [backorder_dict(b) for b in o.backorders],
        },
        _reserved_text,
    )


def _reserved_text(data: dict[str, Any]) -> str:
    lines = [
        f"reserved {r['quantity']} × {r['part']} in {r['warehouse']}/{r['bin']}: {r['id']}"
        + (f" (until {r['expires_at']})" if r["expires_at"] else "")
        for r in data["reservations"]
    ]
    lines += [
        f"backordered {b['open_quantity']} × {b['part']}: {b['id']}" for b in data["backorders"]
    ]
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
    """Record the reservations of --store whose time is up as expired (a tidy-up:
    lapsed reservations block nothing even before it runs)."""
    st = state()
    cmd = svc.ExpireReservations(st.require_store())
    _done(
        svc.expire_reservations(st.app.uow(), cmd, st.app.clock),
        lambda rs: [reservation_dict(r) for r in rs],
    )


@stock.command("reservations")
@click.option("--ref", "reference", default=None, help="Only those of this request.")
@click.option("--open", "open_only", is_flag=True, help="Only open reservations.")
@click.option("--limit", type=PositiveInt(), default=500, show_default=True)
def reservations(reference: str | None, open_only: bool, limit: int) -> None:
    """Reservations of --store, newest first (lapsed: past expiry, not yet swept);
    those a receipt made for a backorder name it."""
    st = state()
    now = st.app.clock.now()
    _done(
        svc.list_reservations(
            st.app.uow(), st.require_store(), reference=reference, open_only=open_only, limit=limit
        ),
        lambda rs: [reservation_dict(r, now) for r in rs],
    )


@stock.command("backorders")
@click.option("--open", "open_only", is_flag=True, help="Only backorders still waiting.")
@click.option("--limit", type=PositiveInt(), default=500, show_default=True)
def backorders(open_only: bool, limit: int) -> None:
    """Backorders (缺件) of --store, oldest first: the order receipts serve them in."""
    st = state()
    _done(
        svc.list_backorders(st.app.uow(), st.require_store(), open_only=open_only, limit=limit),
        lambda bs: [backorder_dict(b) for b in bs],
    )


@stock.command("cancel-backorder")
@click.argument("backorder_id")
@click.option("--reason", required=True, help="Why the rest is no longer wanted.")
def cancel_backorder(backorder_id: str, reason: str) -> None:
    """Cancel what a backorder of --store still waits for (receipts then skip it)."""
    st = state()
    cmd = svc.CancelBackorder(st.require_store(), backorder_id, reason)
    _done(svc.cancel_backorder(st.app.uow(), cmd, st.app.clock), backorder_dict)


@stock.command("transfer")
@click.argument("warehouse")
@click.argument("lines", nargs=-1)
@click.option("--to", "to_store", required=True, help="Receiving store.")
@click.option("--to-warehouse", default=None, help="Receiving warehouse (default: same code).")
@click.option(
    "--reservation",
    "reservation_ids",
    multiple=True,
    help="Send (and consume) this transfer reservation too (repeatable).",
)
@click.option(
    "--eta-hours", type=PositiveInt(), default=None, help="Expected arrival, hours from now."
)
@click.option("--ref", "reference", default="", help="Transfer order number.")
def transfer(
    warehouse: str,
    lines: tuple[str, ...],
    to_store: str,
    to_warehouse: str | None,
    reservation_ids: tuple[str, ...],
    eta_hours: int | None,
    reference: str,
) -> None:
    """Send parts to another store (调拨): out now, in transit until received.
    Send unreserved PART:QTY lines and/or reservations made `--for transfer`."""
    st = state()
    if not lines and not reservation_ids:
        raise click.UsageError("give PART:QTY lines or --reservation ID (or both)")
    eta = st.app.clock.now().add(hours=eta_hours) if eta_hours is not None else None
    cmd = svc.DispatchTransfer(
        st.require_store(),
        warehouse,
        to_store,
        to_warehouse or warehouse,
        _lines(lines),
        eta,
        reference,
        reservation_ids,
    )
    _done(svc.dispatch_transfer(st.app.uow(), cmd, st.app.clock, st.app.ids), transfer_dict)


def _transfer_outcome(outcome: svc.TransferOutcome) -> dict[str, Any]:
    return {
        **transfer_dict(outcome.transfer),
        "entries": [entry_dict(e) for e in outcome.entries],
        "allocations": [reservation_dict(a) for a in outcome.allocations],
    }


def _transfer_text(data: dict[str, Any]) -> str:
    head = f"transfer {data['id']} {data['from_store']} → {data['to_store']}: {data['status']}" + (
        f" ({data['refuse_reason']})" if data["refuse_reason"] else ""
    )
    return "\n".join([head, table(data["entries"]), *_allocations_text(data["allocations"])])


@stock.command("receive-transfer")
@click.argument("transfer_id")
@click.argument("bin_code", metavar="BIN")
def receive_transfer(transfer_id: str, bin_code: str) -> None:
    """Confirm receipt of a transfer into a bin of --store."""
    st = state()
    cmd = svc.ReceiveTransfer(st.require_store(), transfer_id, bin_code)
    _done(
        svc.receive_transfer(st.app.uow(), cmd, st.app.clock, st.app.ids),
        _transfer_outcome,
        _transfer_text,
    )


@stock.command("refuse-transfer")
@click.argument("transfer_id")
@click.option("--reason", required=True, help="Why --store refuses the goods.")
def refuse_transfer(transfer_id: str, reason: str) -> None:
    """Refuse a transfer sent to --store (拒收): the goods go back into the source's bins."""
    st = state()
    cmd = svc.RefuseTransfer(st.require_store(), transfer_id, reason)
    _done(
        svc.refuse_transfer(st.app.uow(), cmd, st.app.clock, st.app.ids),
        _transfer_outcome,
        _transfer_text,
    )


@stock.command("lend")
@click.argument("warehouse")
@click.argument("bin_code", metavar="BIN")
@click.argument("line", metavar="PART:QTY")
@click.option("--to", "borrower", required=True, help="Who borrows the parts (借出).")
@click.option(
    "--due",
    "due_on",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help=f"Store-local day they must be back by (default: in {svc.DEFAULT_LOAN_DAYS} days).",
)
def lend(warehouse: str, bin_code: str, line: str, borrower: str, due_on: Any) -> None:
    """Lend unreserved parts from a bin of --store; they must come back by --due."""
    import pendulum

    st = state()
    (wanted,) = _lines((line,))
    due = None if due_on is None else pendulum.Date(due_on.year, due_on.month, due_on.day)
    cmd = svc.LendParts(
        st.require_store(), warehouse, bin_code, wanted.part, wanted.quantity, borrower, due
    )
    now = st.app.clock.now()
    _done(
        svc.lend_parts(st.app.uow(), cmd, st.app.clock, st.app.ids),
        lambda loan: loan_dict(loan, now),
        lambda d: (
            f"loan {d['id']}: {d['quantity']} × {d['part']} from {d['warehouse']}/{d['bin']} "
            f"to {d['borrower']}, due {d['due_at']}"
        ),
    )


@stock.command("return", context_settings=NUMERIC_ARGS)
@click.argument("loan_id")
@click.argument("quantity", type=PositiveInt(), required=False)
def return_(loan_id: str, quantity: int | None) -> None:
    """Take lent parts back into their bin (QUANTITY: default all still out)."""
    st = state()
    cmd = svc.ReturnLoan(st.require_store(), loan_id, quantity)
    now = st.app.clock.now()
    _done(
        svc.return_loan(st.app.uow(), cmd, st.app.clock, st.app.ids),
        lambda back: {
            **loan_dict(back.loan, now),
            "entry": entry_dict(back.entry),
            "allocations": [reservation_dict(a) for a in back.allocations],
        },
        lambda d: "\n".join(
            [
                f"loan {d['id']}: {d['entry']['quantity']} × {d['part']} back in "
                f"{d['warehouse']}/{d['bin']}, {d['outstanding']} still out",
                *_allocations_text(d["allocations"]),
            ]
        ),
    )


@stock.command("loans")
def loans() -> None:
    """Open loans of --store, oldest due first; overdue ones flagged."""
    st = state()
    now = st.app.clock.now()
    _done(
        svc.open_loans(st.app.uow(), st.require_store()),
        lambda found: [loan_dict(loan, now) for loan in found],
        lambda rows: table(
            [
                {
                    "id": r["id"],
                    "part": r["part"],
                    "from": f"{r['warehouse']}/{r['bin']}",
                    "out": r["outstanding"],
                    "borrower": r["borrower"],
                    "due": r["due_at"],
                    "overdue": f"OVERDUE {r['days_overdue']} d" if r["overdue"] else "",
                }
                for r in rows
            ]
        ),
    )


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
            svc.count_sheet(st.app.uow(), store, warehouse, st.app.clock),
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
            fail(InvariantViolation(f"count {text!r} must be BIN:PART:COUNTED (COUNTED ≥ 0)"))
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
    verdict = "within" if data["within_target"] else "ABOVE"
    return (
        table(data["lines"])
        + f"\nvariance {data['quantity_variance']} units, {data['value_variance']} CNY; "
        + f"error rate {float(data['error_rate']):.2%} ({verdict} the 2% target)"
    )


@stock.command("available")
@click.argument("part")
def available(part: str) -> None:
    """Where PART is available across the group (集团配件库存), or at --store."""
    st = state()
    _done(
        svc.where_available(st.app.uow(), part, st.app.clock, st.store),
        lambda rows: [
            {
                "store": a.store_id,
                "warehouse": a.warehouse_code,
                "on_hand": a.on_hand,
                "reserved": a.reserved,
                "available": a.available,
            }
            for a in rows
        ],
    )


@stock.command("alerts")
@click.option(
    "--dead-days", type=PositiveInt(), default=180, show_default=True, help="Dead stock age."
)
@click.option(
    "--horizon-days",
    type=PositiveInt(zero=True),
    default=1,
    show_default=True,
    help="Arrivals due within.",
)
def alerts(dead_days: int, horizon_days: int) -> None:
    """Below safety stock, dead stock, expected arrivals and overdue loans of --store."""
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


@stock.command("safety", context_settings=NUMERIC_ARGS)
@click.argument("warehouse")
@click.argument("part")
@click.argument("quantity", type=PositiveInt(zero=True))
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
