"""``fours prices``: price schemes, their resolution and explanation, authority, parts."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

import click
from returns.result import Failure, Success

from fours_cli.output import emit, fail, state
from fours_domain.pricing import services as svc
from fours_domain.pricing.authority import AuthorityRule, Basis, Subject
from fours_domain.pricing.model import PriceKind, PriceScheme, Resolution
from fours_domain.pricing.parts import (
    PartDiscountPolicy,
    PartListing,
    PartPrice,
    PartPriceApproval,
)
from fours_domain.shared.catalogue import PartNumber, VehicleSpec
from fours_domain.shared.errors import DomainError, InvariantViolation
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
@click.argument("price")
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
    price: str,
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
@click.option("--limit", type=int, default=200, show_default=True)
def list_schemes(brand: str | None, kind: str | None, scope: str | None, limit: int) -> None:
    """List schemes (ordered by id)."""
    from fours_domain.shared.ids import BrandCode

    app = state().app
    with app.uow() as uow:
        rows = [
            scheme_dict(s)
            for s in uow.price_schemes.list(
                brand=BrandCode(brand.upper()) if brand else None,
                kind=PriceKind(kind) if kind else None,
                scope=scope,
                limit=limit,
            )
        ]
    emit(rows)


def parsed(parse: Any, *args: Any) -> Any:
    """Run a parser; a malformed input is one line and a non-zero exit, like a refusal."""
    try:
        return parse(*args)
    except DomainError as error:
        fail(error)


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
    try:
        return Decimal(text)
    except InvalidOperation:
        raise InvariantViolation(f"{what} {text!r} is not a number") from None


@authority.command("set")
@click.argument("role")
@click.option("--subject", type=click.Choice([s.value for s in Subject]), default="vehicle")
@click.option("--basis", type=click.Choice([b.value for b in Basis]), required=True)
@click.option("--share", default="1", show_default=True, help="Share of the basis, e.g. 0.90.")
@click.option("--off", "amount_off", default="0", show_default=True, help="CNY below that.")
def authority_set(role: str, subject: str, basis: str, share: str, amount_off: str) -> None:
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


class _OneListing:
    """The list price given on the command line (until the catalogue binding lands)."""

    def __init__(self, listing: PartListing) -> None:
        self._listing = listing

    def listing(self, part_number: PartNumber) -> PartListing | None:
        return self._listing if part_number == self._listing.part_number else None


def part_price_dict(p: PartPrice) -> dict[str, Any]:
    return {
        "part_number": p.listing.part_number,
        "part_class": p.listing.part_class,
        "list_price": str(p.listing.list_price.amount),
        "customer_type": p.customer_type,
        "policy": None if p.policy is None else policy_dict(p.policy),
        "policy_price": str(p.price.amount),
    }


def _catalogue(part: str, part_class: str, list_price: str) -> _OneListing:
    from fours_domain.pricing.quotes import money_of
    from fours_domain.shared.catalogue import part_number

    return _OneListing(PartListing(part_number(part), part_class, money_of(list_price)))


@prices.command("part")
@click.argument("part")
@click.option("--customer", "customer_type", default="RETAIL", show_default=True)
@click.option("--list-price", required=True, help="List price (until the catalogue is bound).")
@click.option("--class", "part_class", required=True, help="Part class code.")
@click.option("--price", default=None, help="Counter price asked for: checks the authority.")
@click.option("--role", default=None, help="Role of whoever grants --price.")
@click.option("--approval", "approval_id", default=None, help="Recorded approval (needs --store).")
def part(
    part: str,
    customer_type: str,
    list_price: str,
    part_class: str,
    price: str | None,
    role: str | None,
    approval_id: str | None,
) -> None:
    """Policy price of PART for a customer type; with --price, whether it may be granted."""
    st = state()
    catalogue = parsed(_catalogue, part, part_class, list_price)
    cmd = svc.PricePart(part, customer_type, price, role, st.store, approval_id)

    def render(p: PartPrice) -> dict[str, Any]:
        data = part_price_dict(p)
        if price is not None:
            data["granted_price"] = str(parsed(_money, price).amount)
            data["granted_by"] = f"approval {approval_id}" if approval_id else f"role {role}"
        return data

    done(svc.price_part(st.app.uow(), cmd, catalogue, st.app.clock), render)


def _money(text: str) -> Any:
    from fours_domain.pricing.quotes import money_of

    return money_of(text)


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


@prices.command("part-approve")
@click.argument("part")
@click.option("--customer", "customer_type", default="RETAIL", show_default=True)
@click.option("--list-price", required=True, help="List price (until the catalogue is bound).")
@click.option("--class", "part_class", required=True, help="Part class code.")
@click.option("--price", required=True, help="Counter price approved.")
@click.option("--by", "approver", required=True)
@click.option("--role", required=True, help="The approver's role, e.g. GM.")
@click.option("--reason", required=True)
@click.option("--hours", type=int, default=24, show_default=True, help="Valid for this long.")
def part_approve(
    part: str,
    customer_type: str,
    list_price: str,
    part_class: str,
    price: str,
    approver: str,
    role: str,
    reason: str,
    hours: int,
) -> None:
    """Record a counter-sale special discount for PART at --store (配件特价审批)."""
    st = state()
    catalogue = parsed(_catalogue, part, part_class, list_price)
    cmd = svc.ApprovePartPrice(
        st.require_store(), part, customer_type, price, approver, role, reason, hours
    )
    done(
        svc.approve_part_price(st.app.uow(), cmd, catalogue, st.app.clock, st.app.ids),
        part_approval_dict,
    )
