"""``fours quotes``: vehicle quotes, approvals and acceptance (frozen once accepted)."""

from __future__ import annotations

from typing import Any

import click

from fours_cli.commands.prices import done, parse_spec
from fours_cli.output import Amount, parsed, state
from fours_domain.pricing import services as svc
from fours_domain.pricing.quotes import Approval, LineKind, Quote
from fours_domain.shared.money import Money


def quote_dict(q: Quote) -> dict[str, Any]:
    totals = q.totals
    return {
        "id": q.id,
        "store": q.store_id,
        "vehicle": str(q.spec),
        "customer": q.customer,
        "author": q.author,
        "author_role": q.author_role,
        "status": q.status.value,
        "created_at": q.created_at.isoformat(),
        "accepted_at": q.accepted_at.isoformat() if q.accepted_at else None,
        "accepted_by": q.accepted_by,
        "lines": [
            {
                "no": i,
                "kind": line.kind.value,
                "description": line.description,
                "unit_price": str(line.unit_price.amount),
                "quantity": line.quantity,
                "vat_rate": str(line.vat),
                "gross": str(line.split.gross.amount),
                "net": str(line.split.net.amount),
                "vat": str(line.split.vat.amount),
                "part_number": line.part_number,
                "policy_price": None
                if line.policy_price is None
                else str(line.policy_price.amount),
            }
            for i, line in enumerate(q.lines, start=1)
        ],
        "deal_price": str(q.deal_price.amount),
        "total": str(totals.gross.amount),
        "pre_tax": str(totals.net.amount),
        "vat": str(totals.vat.amount),
        "references": {
            r.kind.value: {"price": str(r.price.amount), "scheme": r.scheme_id}
            for r in q.references
        },
        "approvals": [approval_dict(a) for a in q.approvals],
    }


def approval_dict(a: Approval) -> dict[str, Any]:
    return {
        "approver": a.approver,
        "role": a.role,
        "price": str(a.price.amount),
        "reason": a.reason,
        "approved_at": a.approved_at.isoformat(),
        "expires_at": a.expires_at.isoformat(),
    }


def render_quote(q: Quote) -> str:
    from fours_cli.output import table

    refs = ", ".join(f"{r.kind.value} {r.price.amount} ({r.scheme_id})" for r in q.references)
    head = [
        f"quote {q.id} at {q.store_id} — {q.status.value}"
        + (
            f" (frozen: accepted {q.accepted_at.isoformat()} by {q.accepted_by})"
            if q.accepted_at
            else ""
        ),
        f"vehicle {q.spec} for {q.customer}; author {q.author} ({q.author_role})",
        f"reference prices: {refs or 'none'}",
    ]
    data = quote_dict(q)
    lines = table(
        [
            {k: row[k] for k in ("no", "kind", "description", "quantity", "gross", "net", "vat")}
            for row in data["lines"]
        ]
    )
    tail = [
        f"deal price {data['deal_price']}; total {data['total']} = pre-tax {data['pre_tax']}"
        f" + VAT {data['vat']}",
        *(
            f"approved by {a.approver} ({a.role}) down to {a.price.amount}: {a.reason}; "
            f"expires {a.expires_at.isoformat()}"
            for a in q.approvals
        ),
    ]
    return "\n".join([*head, lines, *tail])


@click.group()
def quotes() -> None:
    """Vehicle quotes (报价单): new, add-line, approve, accept, show."""


@quotes.command("new")
@click.argument("vehicle")
@click.option("--customer", required=True)
@click.option("--author", required=True, help="Salesperson writing the quote (staff id).")
@click.option(
    "--role",
    "author_role",
    default=None,
    help="The author's role, held at --store (default: their strongest vehicle authority).",
)
@click.option(
    "--price", type=Amount(), default=None, help="Vehicle price (default: promotion, else MSRP)."
)
def new(
    vehicle: str, customer: str, author: str, author_role: str | None, price: Money | None
) -> None:
    """A draft quote for VEHICLE (BRAND/MODEL/TRIM/COLOUR/INTERIOR) at --store, by an
    author on the staff roster."""
    st = state()
    cmd = svc.NewQuote(
        st.require_store(), parsed(parse_spec, vehicle), customer, author, author_role, price
    )
    done(svc.new_quote(st.app.uow(), cmd, st.app.clock, st.app.ids), quote_dict, render_quote)


@quotes.command("add-line")
@click.argument("quote_id")
@click.argument("kind", type=click.Choice([k.value for k in LineKind if k is not LineKind.VEHICLE]))
@click.argument("description")
@click.argument("unit_price", type=Amount(), required=False)
@click.option("--qty", "quantity", type=int, default=1, show_default=True)
@click.option("--vat", "vat_rate", default=None, help="VAT rate, 0.13 or 13% (default by kind).")
@click.option("--part", "part_number", default=None, help="Accessory: its catalogue part number.")
@click.option(
    "--customer-type",
    default="RETAIL",
    show_default=True,
    help="Accessory: customer type or member tier the parts policy prices for.",
)
@click.option("--approval", "approval_id", default=None, help="Accessory: a part approval id.")
def add_line(
    quote_id: str,
    kind: str,
    description: str,
    unit_price: Money | None,
    quantity: int,
    vat_rate: str | None,
    part_number: str | None,
    customer_type: str,
    approval_id: str | None,
) -> None:
    """Add an accessory, service, fee, trade-in credit or discount (tax-inclusive).

    An accessory names its catalogue part (--part): UNIT_PRICE defaults to the parts
    policy price, and a lower price needs the author's parts authority or a recorded
    part approval (--approval, from prices part-approve); it is recorded as a grant.
    The other kinds need UNIT_PRICE."""
    st = state()
    cmd = svc.AddQuoteLine(
        st.require_store(),
        quote_id,
        LineKind(kind),
        description,
        unit_price,
        quantity,
        vat_rate,
        part_number,
        customer_type,
        approval_id,
    )
    done(svc.add_quote_line(st.app.uow(), cmd, st.app.clock, st.app.ids), quote_dict, render_quote)


@quotes.command("approve")
@click.argument("quote_id")
@click.option("--by", "approver", required=True, help="Approver (staff id), not the author.")
@click.option(
    "--role", default=None, help="Approve in this role (default: the least senior that covers)."
)
@click.option("--reason", required=True)
@click.option("--hours", type=int, default=72, show_default=True, help="Valid for this long.")
def approve(quote_id: str, approver: str, role: str | None, reason: str, hours: int) -> None:
    """Approve the quote's current deal price (价格特批): the approver is on the roster,
    is not the quote's author, and holds a role at --store whose authority covers it."""
    st = state()
    cmd = svc.ApproveQuote(st.require_store(), quote_id, approver, reason, role, hours)
    done(
        svc.approve_quote(st.app.uow(), cmd, st.app.clock),
        approval_dict,
        lambda a: (
            f"approved {quote_id} down to {a.price.amount} by {a.approver} ({a.role}); "
            f"expires {a.expires_at.isoformat()}"
        ),
    )


@quotes.command("accept")
@click.argument("quote_id")
@click.option("--by", "accepted_by", required=True)
def accept(quote_id: str, accepted_by: str) -> None:
    """Accept into an order: checked against the prices in force now, then frozen."""
    st = state()
    cmd = svc.AcceptQuote(st.require_store(), quote_id, accepted_by)
    done(svc.accept_quote(st.app.uow(), cmd, st.app.clock), quote_dict, render_quote)


@quotes.command("show")
@click.argument("quote_id")
def show(quote_id: str) -> None:
    """The quote with its lines, figures, reference prices and approvals."""
    st = state()
    done(svc.get_quote(st.app.uow(), st.require_store(), quote_id), quote_dict, render_quote)
