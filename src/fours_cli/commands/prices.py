"""``fours prices``: price schemes, their resolution and explanation, authority, parts."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import click
from returns.result import Failure, Success

from fours_cli.output import Amount, emit, fail, parsed, state
from fours_domain.pricing import services as svc
from fours_domain.pricing.authority import AuthorityRule, Basis, Subject
from fours_domain.pricing.model import PriceKind, PriceScheme, Resolution
from fours_domain.pricing.parts import (
    PartDiscountPolicy,
    PartPrice,
    PartPriceApproval,
    PartPriceGrant,
)
from fours_domain.shared.catalogue import VehicleSpec
from fours_domain.shared.errors import DomainError, InvariantViolation
from fours_domain.shared.money import Money
from fours_domain.shared.time import DateTime


def done(result: Any, render: Any, human: Any = None) -> None:
    match result:
        case Success(value):
            emit(render(value), None if human is None else human(value))
        case Failure(error):
            assert isinstance(error, DomainError)
            fail(error)


def parse_spec(text: str) -> VehicleSpec:
    """``BRAND/MODEL[/TRIM[/COLOUR[/INTERIOR]]]``; ``*`` or empty for none."""
    parts = [p.strip() for p in text.split("/")]
    if len(parts) < 2 or len(parts) > 5:
        raise InvariantViolation(f"vehicle {text!r} must be BRAND/MODEL[/TRIM/COLOUR/INTERIOR]")
    values = [None if p in ("", "*") else p for p in parts] + [None] * (5 - len(parts))
    brand, model = values[0], values[1]
    if brand is None or model is None:
        raise InvariantViolation(f"vehicle {text!r} needs a brand and a model")
    return VehicleSpec(brand, model, values[2], values[3], values[4])


def parse_instant(text: str | None) -> DateTime | None:
    if text is None:
        return None
    import pendulum

    try:
        parsed = pendulum.parse(text)
    except (ValueError, pendulum.parsing.exceptions.ParserError):
        raise InvariantViolation(f"--at {text!r} is not an ISO-8601 instant") from None
    if not isinstance(parsed, DateTime) or "T" not in text:
        raise InvariantViolation(f"--at {text!r} must be a date-time with offset, e.g. …+08:00")
    if not any(c in text[10:] for c in "Z+-"):
        raise InvariantViolation(f"--at {text!r} needs an offset or Z")
    return parsed.in_timezone("UTC")


def scheme_dict(s: PriceScheme) -> dict[str, Any]:
    return {
        "id": s.id,
        "name": s.name,
        "kind": s.kind.value,
        "scope": str(s.scope),
        "target": str(s.target),
        "specificity": s.target.specificity,
        "price": str(s.price.amount),
        "priority": s.priority,
        "starts": s.window.starts.isoformat() if s.window.starts else None,
        "ends": s.window.ends.isoformat() if s.window.ends else None,
        "ended_at": s.ended_at.isoformat() if s.ended_at else None,
        "end_reason": s.end_reason,
    }


def resolution_dict(r: Resolution) -> dict[str, Any]:
    return {
        "kind": r.kind.value,
        "price": None if r.price is None else str(r.price.amount),
        "winner": None if r.winner is None else r.winner.id,
        "candidates": [
            {"scheme": c.scheme.id, "outcome": c.outcome.value, "reason": c.reason}
            for c in r.candidates
        ],
    }


def _sheet_dict(sheet: Any, store: str, spec: VehicleSpec) -> dict[str, Any]:
    first = sheet.resolutions[0]
    return {
        "store": store,
        "vehicle": str(spec),
        "at": first.at.isoformat(),
        "local_time": first.local_time.isoformat(),
        "time_zone": first.place.time_zone.name,
        "prices": {r.kind.value: resolution_dict(r) for r in sheet.resolutions},
    }


@click.group()
def prices() -> None:
    """Price schemes (价格方案): add, list, resolve and explain; authority; parts."""


@prices.command("add")
@click.argument("kind", type=click.Choice([k.value for k in PriceKind]))
@click.argument("price", type=Amount())
@click.option("--scope", default="group", show_default=True, help="group, region:ID or store:ID.")
@click.option("--brand", required=True)
@click.option("--model", default=None)
@click.option("--trim", default=None)
@click.option("--colour", default=None)
@click.option("--interior", default=None)
@click.option("--priority", type=int, default=0, show_default=True)
@click.option("--from", "starts", default=None, help="Store-local start, YYYY-MM-DD[THH:MM].")
@click.option("--until", "ends", default=None, help="Store-local end (exclusive).")
@click.option("--name", default=None)
@click.option("--id", "scheme_id", default=None, help="Scheme code (default: generated).")
def add(
    kind: str,
    price: Money,
    scope: str,
    brand: str,
    model: str | None,
    trim: str | None,
    colour: str | None,
    interior: str | None,
    priority: int,
    starts: str | None,
    ends: str | None,
    name: str | None,
    scheme_id: str | None,
) -> None:
    """Add a KIND scheme at PRICE (tax-inclusive CNY); a tie with another is refused."""
    app = state().app
    cmd = svc.AddPriceScheme(
        PriceKind(kind),
        scope,
        brand,
        price,
        model,
        trim,
        colour,
        interior,
        priority,
        starts,
        ends,
        name,
        scheme_id,
    )
    done(svc.add_price_scheme(app.uow(), cmd, app.clock, app.ids), scheme_dict)


@prices.command("list")
@click.option("--brand", default=None)
@click.option("--kind", type=click.Choice([k.value for k in PriceKind]), default=None)
@click.option("--scope", default=None, help="group, region:ID or store:ID.")
@click.option("--limit", type=int, default=200, show_default=True, help="At most this many (≥ 1).")
def list_schemes(brand: str | None, kind: str | None, scope: str | None, limit: int) -> None:
    """List schemes (ordered by id). When there are more than --limit, says how many
    were left out (on stderr, so --json output stays one JSON list)."""
    from fours_domain.pricing.model import PriceScope
    from fours_domain.shared.ids import BrandCode

    if limit < 1:
        fail(InvariantViolation(f"--limit must be at least 1, got {limit}"))
    if scope is not None:
        scope = str(parsed(PriceScope.parse, scope))
    filters: dict[str, Any] = {
        "brand": BrandCode(brand.strip().upper()) if brand else None,
        "kind": PriceKind(kind) if kind else None,
        "scope": scope,
    }
    app = state().app
    with app.uow() as uow:
        rows = [scheme_dict(s) for s in uow.price_schemes.list(**filters, limit=limit)]
        total = uow.price_schemes.count(**filters) if len(rows) == limit else len(rows)
    emit(rows)
    if total > len(rows):
        click.echo(
            f"showing {len(rows)} of {total} schemes (ordered by id); raise --limit or "
            f"narrow with --brand/--kind/--scope to see the rest",
            err=True,
        )


@prices.command("end")
@click.argument("scheme_id")
@click.option(
    "--at", "ends", required=True, help="Store-local end (exclusive), YYYY-MM-DD[THH:MM]."
)
@click.option("--reason", default=None, help="Why it ends (recorded with the end).")
def end(scheme_id: str, ends: str, reason: str | None) -> None:
    """End an open-ended scheme at a store-local time that is still ahead at every store
    it covers. The end and when it was set are recorded; a scheme's end is set once and
    never moved into the past (ADR 0039)."""
    app = state().app
    cmd = svc.EndPriceScheme(scheme_id, ends, reason)
    done(svc.end_price_scheme(app.uow(), cmd, app.clock), scheme_dict)


def _resolve(spec_text: str, at: str | None) -> Any:
    st = state()
    spec = parsed(parse_spec, spec_text)
    cmd = svc.ResolvePrices(st.require_store(), spec, parsed(parse_instant, at))
    return spec, svc.resolve_prices(st.app.uow(), cmd, st.app.clock)


@prices.command("resolve")
@click.argument("vehicle")
@click.option("--at", default=None, help="Instant with offset (default: now).")
def resolve(vehicle: str, at: str | None) -> None:
    """Every price of VEHICLE (BRAND/MODEL/TRIM/COLOUR/INTERIOR) at --store."""
    spec, result = _resolve(vehicle, at)
    store = state().require_store().upper()

    def human(sheet: Any) -> str:
        from fours_cli.output import table

        return table(
            [
                {
                    "kind": r.kind.value,
                    "price": "-" if r.price is None else str(r.price.amount),
                    "scheme": "-" if r.winner is None else r.winner.id,
                    "scope": "" if r.winner is None else str(r.winner.scope),
                    "target": "" if r.winner is None else str(r.winner.target),
                }
                for r in sheet.resolutions
            ]
        )

    done(result, lambda sheet: _sheet_dict(sheet, store, spec), human)


@prices.command("explain")
@click.argument("vehicle")
@click.option("--kind", type=click.Choice([k.value for k in PriceKind]), default=None)
@click.option("--at", default=None, help="Instant with offset (default: now).")
def explain(vehicle: str, kind: str | None, at: str | None) -> None:
    """Why each scheme won or lost for VEHICLE at --store."""
    spec, result = _resolve(vehicle, at)
    store = state().require_store().upper()
    wanted = [PriceKind(kind)] if kind else list(PriceKind)

    def render(sheet: Any) -> dict[str, Any]:
        data = _sheet_dict(sheet, store, spec)
        data["prices"] = {k.value: data["prices"][k.value] for k in wanted}
        return data

    def human(sheet: Any) -> str:
        return "\n".join(sheet.of(k).explain() for k in wanted)

    done(result, render, human)


@prices.group("authority")
def authority() -> None:
    """Discount authority per role (价格权限): the approval ladder."""


def rule_dict(rule: AuthorityRule) -> dict[str, Any]:
    return {
        "subject": rule.subject.value,
        "role": rule.role,
        "basis": rule.basis.value,
        "share": str(rule.share),
        "amount_off": str(rule.amount_off.amount),
    }


def _decimal(text: str, what: str) -> Decimal:
    from fours_domain.shared.money import parse_decimal

    return parsed(parse_decimal, text, what)


@authority.command("set")
@click.argument("role")
@click.option("--subject", type=click.Choice([s.value for s in Subject]), default="vehicle")
@click.option("--basis", type=click.Choice([b.value for b in Basis]), required=True)
@click.option("--share", default="1", show_default=True, help="Share of the basis, e.g. 0.90.")
@click.option(
    "--off", "amount_off", type=Amount(), default="0", show_default=True, help="CNY below that."
)
def authority_set(role: str, subject: str, basis: str, share: str, amount_off: Money) -> None:
    """ROLE may grant down to basis × share − off (``--basis unlimited``: anything)."""
    app = state().app
    cmd = svc.SetAuthority(
        Subject(subject), role, Basis(basis), _decimal(share, "share"), amount_off
    )
    done(svc.set_authority(app.uow(), cmd), rule_dict)


@authority.command("list")
def authority_list() -> None:
    """The ladders for vehicles and parts."""
    app = state().app
    with app.uow() as uow:
        rows = [rule_dict(r) for s in Subject for r in uow.authority.rules(s)]
    emit(rows)


@prices.group("part-policy")
def part_policy() -> None:
    """Group discount policy for parts by part class and customer type / member tier."""


def policy_dict(p: PartDiscountPolicy) -> dict[str, Any]:
    return {"part_class": p.part_class, "customer_type": p.customer_type, "share": str(p.share)}


@part_policy.command("add")
@click.argument("part_class")
@click.argument("customer_type")
@click.argument("share")
def part_policy_add(part_class: str, customer_type: str, share: str) -> None:
    """Customers of CUSTOMER_TYPE pay SHARE × list for PART_CLASS (``*`` = any)."""
    app = state().app
    cmd = svc.AddPartPolicy(part_class, customer_type, _decimal(share, "share"))
    done(svc.add_part_policy(app.uow(), cmd), policy_dict)


@part_policy.command("list")
def part_policy_list() -> None:
    app = state().app
    with app.uow() as uow:
        rows = [policy_dict(p) for p in uow.part_policies.policies()]
    emit(rows)


def part_price_dict(p: PartPrice) -> dict[str, Any]:
    return {
        "part_number": p.listing.part_number,
        "part_class": p.listing.part_class,
        "list_price": str(p.listing.list_price.amount),
        "catalogue_scope": p.listing.scope.key,
        "customer_type": p.customer_type,
        "policy": None if p.policy is None else policy_dict(p.policy),
        "policy_price": str(p.price.amount),
    }


@prices.command("part")
@click.argument("part")
@click.option("--customer", "customer_type", default="RETAIL", show_default=True)
@click.option(
    "--price", type=Amount(), default=None, help="Counter price to grant: checks the authority."
)
@click.option("--by", "requester", default=None, help="Who grants --price (staff id).")
@click.option("--role", default=None, help="Act in this role (default: any held at --store).")
@click.option("--approval", "approval_id", default=None, help="Recorded approval at --store.")
def part(
    part: str,
    customer_type: str,
    price: Money | None,
    requester: str | None,
    role: str | None,
    approval_id: str | None,
) -> None:
    """Policy price of PART at --store for a customer type; with --price --by, grant that
    counter price if the granter's parts authority (or a recorded approval) covers it.
    A price below the policy price is recorded (prices part-grants). List price and class
    come from the catalogue the store sees."""
    st = state()
    cmd = svc.PricePart(
        st.require_store(), part, customer_type, price, requester, role, approval_id
    )

    def render(q: svc.PartQuote) -> dict[str, Any]:
        data = part_price_dict(q.price)
        if price is not None:
            data["granted_price"] = str(price.amount)
            data["grant"] = None if q.grant is None else part_grant_dict(q.grant)
        return data

    def human(q: svc.PartQuote) -> str:
        p = q.price
        data = render(q)
        scope = p.listing.scope.business_unit_id
        catalogue = "group" if scope is None else f"business unit {scope}"
        policy = "no policy applies" if p.policy is None else f"policy {p.policy.describe()}"
        store = cmd.store_id.strip().upper()
        line = (
            f"part {p.listing.part_number} [{p.listing.part_class}] at {store}: "
            f"list {data['list_price']} ({catalogue} catalogue); {p.customer_type} pays "
            f"{data['policy_price']} ({policy})"
        )
        if q.grant is not None:
            g = q.grant
            how = f"approval {g.approval_id}" if g.approval_id else f"own authority as {g.role}"
            line += f"; {data['granted_price']} granted by {g.granted_by} ({how}), grant {g.id}"
        elif price is not None:
            line += f"; {data['granted_price']} is at or above the policy price"
        return line

    done(svc.price_part(st.app.uow(), cmd, st.app.clock, st.app.ids), render, human)


def part_approval_dict(a: PartPriceApproval) -> dict[str, Any]:
    return {
        "id": a.id,
        "store": a.store_id,
        "part_number": a.part_number,
        "customer_type": a.customer_type,
        "price": str(a.price.amount),
        "approver": a.approver,
        "role": a.role,
        "reason": a.reason,
        "approved_at": a.approved_at.isoformat(),
        "expires_at": a.expires_at.isoformat(),
    }


def part_grant_dict(g: PartPriceGrant) -> dict[str, Any]:
    return {
        "id": g.id,
        "store": g.store_id,
        "part_number": g.part_number,
        "customer_type": g.customer_type,
        "list_price": str(g.list_price.amount),
        "policy_price": str(g.policy_price.amount),
        "policy": g.policy,
        "price": str(g.price.amount),
        "granted_by": g.granted_by,
        "role": g.role,
        "approval": g.approval_id,
        "granted_at": g.granted_at.isoformat(),
        "quote": g.quote_id,
    }


@prices.command("part-approve")
@click.argument("part")
@click.option("--customer", "customer_type", default="RETAIL", show_default=True)
@click.option("--price", type=Amount(), required=True, help="Counter price approved.")
@click.option("--by", "approver", required=True, help="Approver (staff id on the roster).")
@click.option("--role", default=None, help="Approve in this role (default: one held that covers).")
@click.option("--reason", required=True)
@click.option("--hours", type=int, default=24, show_default=True, help="Valid for this long.")
def part_approve(
    part: str,
    customer_type: str,
    price: Money,
    approver: str,
    role: str | None,
    reason: str,
    hours: int,
) -> None:
    """Record a counter-sale special discount for PART at --store (配件特价审批), by
    someone on the roster whose parts authority at the store covers it."""
    st = state()
    cmd = svc.ApprovePartPrice(
        st.require_store(), part, customer_type, price, approver, reason, role, hours
    )
    done(
        svc.approve_part_price(st.app.uow(), cmd, st.app.clock, st.app.ids),
        part_approval_dict,
    )


@prices.command("part-grants")
@click.option("--quote", "quote_id", default=None, help="Only those given on this quote.")
@click.option("--limit", type=int, default=50, show_default=True)
def part_grants(quote_id: str | None, limit: int) -> None:
    """Counter prices granted below the policy price at --store, newest first: who, on
    what authority (own role or approval), when, the price and the policy undercut."""
    from fours_domain.org.model import code
    from fours_domain.shared.ids import StoreId

    st = state()
    if limit < 1:
        fail(InvariantViolation(f"--limit must be at least 1, got {limit}"))
    store = StoreId(parsed(code, st.require_store(), "store code"))
    with st.app.uow() as uow:
        rows = [
            part_grant_dict(g) for g in uow.part_grants.list(store, quote_id=quote_id, limit=limit)
        ]
    emit(rows)
