"""``fours rebates``: manufacturer policies, sales facts, estimate → confirm → settle,
reconciliation against a manufacturer statement, and what-if."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from fours_cli.output import Amount, emit, fail, parsed, state, table
from fours_cli.output import value_or_fail as _done
from fours_domain.shared.errors import InvariantViolation


def _money(value: Any) -> str:
    return f"{value.amount:.2f}"


def _date(text: str | None) -> Any:
    if text is None:
        return None
    import pendulum

    try:
        parsed = pendulum.parse(text, exact=True)
    except ValueError:
        parsed = None
    if not isinstance(parsed, pendulum.Date) or isinstance(parsed, pendulum.DateTime):
        fail(InvariantViolation(f"{text!r} is not a date (YYYY-MM-DD)"))
    return parsed


@click.group()
def rebates() -> None:
    """Manufacturer rebates (厂家返利): policies, sales facts, estimate, settle, reconcile."""


# --------------------------------------------------------------------------- policies


@rebates.group()
def policy() -> None:
    """Manufacturer business policies (厂家商务政策)."""


def policy_dict(p: Any) -> dict[str, Any]:
    from fours_adapters.sql.rebates.converters import unstructure_policy

    return unstructure_policy(p)


def _policy_line(p: Any) -> dict[str, Any]:
    return {
        "id": p.id,
        "name": p.name,
        "target": str(p.target),
        "kind": p.kind.value,
        "period": p.period.value,
        "valid": f"{p.valid_from}..{p.valid_to}",
        "tiers": len(p.tiers),
        "basis": p.tier_basis.value if p.tier_basis else "",
        "scope": p.scope.value,
        "account": p.account.value,
    }


@policy.command("add")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def policy_add(file: Path) -> None:
    """Add the policies of a TOML FILE (one policy, or several as [[policy]] tables).

    Every policy is checked first — unknown keys, values, brand, the stores its targets
    name, ids used before — and the file is added whole or not at all."""
    from fours_adapters.rebates.policy_file import read_policy_file
    from fours_domain.rebates import services as svc

    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        fail(InvariantViolation(f"{file}: not UTF-8 text ({error.reason})"))
    policies = _done(read_policy_file(text, str(file)))
    added = _done(svc.add_policies(state().app.uow(), svc.AddPolicies(policies)))
    emit([policy_dict(p) for p in added], table([_policy_line(p) for p in added]))


@policy.command("list")
@click.option("--brand", default=None, help="Only this brand's policies.")
def policy_list(brand: str | None) -> None:
    """List policies."""
    from fours_domain.shared.ids import BrandCode

    app = state().app
    with app.uow() as uow:
        found = uow.rebates.list_policies(BrandCode(brand.upper()) if brand else None)
    emit([policy_dict(p) for p in found], table([_policy_line(p) for p in found]))


# --------------------------------------------------------------------------- sales facts


@rebates.group()
def sale() -> None:
    """Sales facts (the accrual base) until the sales context feeds them."""


def sale_dict(f: Any) -> dict[str, Any]:
    return {
        "store": f.store_id,
        "vin": f.vin.value,
        "spec": str(f.spec),
        "picked_up_on": f.picked_up_on,
        "sold_on": f.sold_on,
        "delivered_on": f.delivered_on,
        "invoice_price": None if f.invoice_price is None else _money(f.invoice_price),
        "vat_rate": str(f.vat_rate),
        "pre_tax_price": None if f.pre_tax_price is None else _money(f.pre_tax_price),
        "purchase_cost": None if f.purchase_cost is None else _money(f.purchase_cost),
        "flags": sorted(r.value for r in f.clawback_reasons),
    }


def _spec(
    brand: str | None,
    model: str | None,
    trim: str | None,
    colour: str | None,
    interior: str | None,
) -> Any:
    from fours_domain.shared.catalogue import VehicleSpec

    if brand is None and model is None:
        if trim or colour or interior:
            fail(InvariantViolation("--trim, --colour and --interior need --brand and --model"))
        return None
    if brand is None or model is None:
        fail(InvariantViolation("give both --brand and --model"))
    return parsed(VehicleSpec, brand, model, trim, colour, interior)


def _vat(text: str | None) -> Any:
    from fours_domain.shared.money import VatRate

    return None if text is None else parsed(VatRate, text)


_CORRECT = "Overwrite facts recorded with other values (needs --reason; recorded)."


F = TypeVar("F", bound=Callable[..., Any])


def _spec_options(required: bool) -> Callable[[F], F]:
    """--brand --model --trim --colour --interior (brand and model ``required``, or only
    for a car not recorded yet)."""
    help_new = None if required else "For a car not recorded yet."

    def decorate(command: F) -> F:
        for option in reversed(
            (
                click.option("--brand", required=required, default=None, help=help_new),
                click.option("--model", required=required, default=None, help=help_new),
                click.option("--trim", default=None),
                click.option("--colour", default=None),
                click.option("--interior", default=None),
            )
        ):
            command = option(command)
        return command

    return decorate


@sale.command("add")
@click.argument("vin")
@_spec_options(required=True)
@click.option("--sold-on", required=True, metavar="DATE", help="Sale (invoice) date.")
@click.option(
    "--price", type=Amount(), required=True, metavar="YUAN", help="Tax-inclusive invoice price."
)
@click.option("--vat", "vat_rate", default=None, help="VAT rate of the invoice (default 13%).")
@click.option("--delivered-on", default=None, metavar="DATE", help="Delivered to the customer.")
@click.option("--picked-up-on", default=None, metavar="DATE", help="Picked up (提车).")
@click.option(
    "--cost", type=Amount(), default=None, metavar="YUAN", help="Tax-inclusive purchase cost."
)
@click.option("--out-of-territory", is_flag=True, help="Sold outside the territory.")
@click.option("--bad-customer-data", is_flag=True, help="Customer data missing or false.")
@click.option("--correct", is_flag=True, help=_CORRECT)
@click.option("--reason", default="", help="Why the recorded facts are corrected.")
def sale_add(
    vin: str,
    brand: str,
    model: str,
    trim: str | None,
    colour: str | None,
    interior: str | None,
    sold_on: str,
    price: Any,
    vat_rate: str | None,
    delivered_on: str | None,
    picked_up_on: str | None,
    cost: Any,
    out_of_territory: bool,
    bad_customer_data: bool,
    correct: bool,
    reason: str,
) -> None:
    """Record a car sold by --store (and optionally picked up / delivered).

    The brand must be one --store sells. A car recorded already is refused unless
    --correct --reason says it is a correction; the same facts again change nothing.
    --cost without --picked-up-on records the cost only: the pick-up day is never
    assumed (record it with 'rebates sale pickup')."""
    from fours_domain.rebates import services as svc

    st = state()
    cmd = svc.RecordSale(
        store_id=st.require_store(),
        vin=vin,
        spec=_spec(brand, model, trim, colour, interior),
        sold_on=_date(sold_on),
        invoice_price=price,
        delivered_on=_date(delivered_on),
        picked_up_on=_date(picked_up_on),
        purchase_cost=cost,
        out_of_territory=out_of_territory,
        bad_customer_data=bad_customer_data,
        vat_rate=_vat(vat_rate),
        correct=correct,
        reason=reason,
    )
    emit(sale_dict(_done(svc.record_sale(st.app.uow(), cmd, st.app.clock))))


@sale.command("pickup")
@click.argument("vin")
@click.option("--on", "picked_up_on", required=True, metavar="DATE", help="Picked up (提车).")
@_spec_options(required=False)
@click.option(
    "--cost", type=Amount(), default=None, metavar="YUAN", help="Tax-inclusive purchase cost."
)
@click.option("--vat", "vat_rate", default=None, help="VAT rate of a new car (default 13%).")
@click.option("--correct", is_flag=True, help=_CORRECT)
@click.option("--reason", default="", help="Why the recorded facts are corrected.")
def sale_pickup(
    vin: str,
    picked_up_on: str,
    brand: str | None,
    model: str | None,
    trim: str | None,
    colour: str | None,
    interior: str | None,
    cost: Any,
    vat_rate: str | None,
    correct: bool,
    reason: str,
) -> None:
    """Record that --store picked a car up from the manufacturer (提车), alone: it counts
    for pick-up bonuses in the period of that day. A car not recorded yet needs --brand
    and --model; a different day or cost already recorded needs --correct --reason."""
    from fours_domain.rebates import services as svc

    st = state()
    cmd = svc.RecordPickup(
        store_id=st.require_store(),
        vin=vin,
        spec=_spec(brand, model, trim, colour, interior),
        picked_up_on=_date(picked_up_on),
        purchase_cost=cost,
        vat_rate=_vat(vat_rate),
        correct=correct,
        reason=reason,
    )
    emit(sale_dict(_done(svc.record_pickup(st.app.uow(), cmd, st.app.clock))))


@sale.command("flag")
@click.argument("vin")
@click.option("--out-of-territory", is_flag=True, help="Sold outside the territory (跨区).")
@click.option("--bad-customer-data", is_flag=True, help="Customer data missing or false.")
@click.option("--clear", is_flag=True, help="Clear the flag instead of setting it.")
@click.option("--reason", required=True, help="Why (recorded with the change).")
def sale_flag(
    vin: str, out_of_territory: bool, bad_customer_data: bool, clear: bool, reason: str
) -> None:
    """Set (or --clear) a claw-back flag on a car of --store, saying why. Re-estimate the
    period afterwards: the flag changes what the car earns (or costs)."""
    from fours_domain.rebates import services as svc
    from fours_domain.rebates.model import ClawbackReason

    st = state()
    if out_of_territory == bad_customer_data:
        fail(InvariantViolation("name one flag: --out-of-territory or --bad-customer-data"))
    flag = ClawbackReason.OUT_OF_TERRITORY if out_of_territory else ClawbackReason.BAD_CUSTOMER_DATA
    cmd = svc.FlagSale(st.require_store(), vin, flag, not clear, reason)
    emit(sale_dict(_done(svc.flag_sale(st.app.uow(), cmd, st.app.clock))))


@sale.command("show")
@click.argument("vin")
def sale_show(vin: str) -> None:
    """A car's sales facts at --store and every recorded change to them."""
    from fours_domain.rebates import services as svc

    st = state()
    record = _done(svc.sale_record(st.app.uow(), st.require_store(), vin))
    history = [
        {
            "seq": a.seq,
            "at": a.at.isoformat(),
            "action": a.action.value,
            "reason": a.reason,
            "detail": a.detail,
        }
        for a in record.amendments
    ]
    data = {**sale_dict(record.fact), "amendments": history}
    human = table([sale_dict(record.fact)]) + ("\n\n" + table(history) if history else "")
    emit(data, human)


@sale.command("deliver")
@click.argument("vin")
@click.argument("delivered_on", metavar="DATE")
def sale_deliver(vin: str, delivered_on: str) -> None:
    """Record the delivery of a sold car of --store to its end customer."""
    from fours_domain.rebates import services as svc

    st = state()
    cmd = svc.RecordDelivery(st.require_store(), vin, _date(delivered_on))
    emit(sale_dict(_done(svc.record_delivery(st.app.uow(), cmd, st.app.clock))))


@rebates.command("kpi")
@click.argument("kpi", type=click.Choice(["csi", "ssi", "stock_depth"]))
@click.argument("value")
@click.option("--period", required=True, help="e.g. 2026-Q3")
def kpi_set(kpi: str, value: str, period: str) -> None:
    """Record a KPI of --store for a period (CSI score, stock depth in months)."""
    from fours_domain.rebates import services as svc
    from fours_domain.rebates.model import Kpi
    from fours_domain.shared.money import parse_decimal

    st = state()
    number = parsed(parse_decimal, value, f"KPI {kpi}")
    reading = _done(
        svc.record_kpi(st.app.uow(), svc.RecordKpi(st.require_store(), period, Kpi(kpi), number))
    )
    emit(
        {
            "store": reading.store_id,
            "period": reading.period_key,
            "kpi": reading.kpi.value,
            "value": str(reading.value),
        }
    )


# --------------------------------------------------------------------------- lifecycle


def _accrual_dict(a: Any) -> dict[str, Any]:
    return {
        "store": a.store_id,
        "policy": a.policy_id,
        "period": a.period_key,
        "vin": a.vin,
        "amount": _money(a.amount),
        "rung": a.rung,
        "value": str(a.unit_value),
        "factor": str(a.factor),
        "capped": a.capped,
        "clawback": None if a.clawback is None else a.clawback.value,
    }


@rebates.command("estimate")
@click.argument("period")
@click.option("--policy", "policy_ids", multiple=True, help="Only these policies (repeatable).")
@click.option("--brand", default=None, help="Only this brand's policies.")
@click.option("--dry-run", is_flag=True, help="Compute without recording the accruals.")
@click.option("--cars", is_flag=True, help="Show the car-by-car accruals.")
def estimate(
    period: str, policy_ids: tuple[str, ...], brand: str | None, dry_run: bool, cars: bool
) -> None:
    """Estimate (预估) and accrue every applicable policy's rebates for PERIOD."""
    from fours_domain.rebates import services as svc

    app = state().app
    cmd = svc.EstimateRebates(period, policy_ids, brand, record=not dry_run)
    result = _done(svc.estimate_rebates(app.uow(), cmd, app.clock))
    units = [
        {
            "policy": r.policy.id,
            "period": r.period.key,
            "scope": u.scope_key,
            "counted": u.counted,
            "target": None if u.target is None else f"{u.target.normalize():f}",
            "achievement": None if u.achievement is None else f"{u.achievement:.2%}",
            "rung": u.rung,
            "capped": u.capped,
            "total": _money(u.total),
            "account": r.policy.account.value,
        }
        for r in result.results
        for u in r.units
    ]
    lines = [_accrual_dict(a) for a in result.lines]
    data = {
        "period": result.period.key,
        "recorded": not dry_run,
        "total": _money(result.total),
        "units": units,
        "cars": lines,
    }
    human = table(units) + f"\n\nTotal {result.period.key}: ¥{_money(result.total)}"
    if cars:
        human += "\n\n" + table(lines)
    emit(data, human)


def _claim_dict(c: Any) -> dict[str, Any]:
    return {
        "store": c.store_id,
        "policy": c.policy_id,
        "period": c.period_key,
        "status": c.status.value,
        "estimated": _money(c.estimated),
        "confirmed": None if c.confirmed is None else _money(c.confirmed),
        "settled": _money(c.settled),
        "notice": c.notice,
    }


@rebates.command("confirm")
@click.argument("policy_id")
@click.argument("period")
@click.argument("amount", type=Amount(), metavar="YUAN")
@click.option("--notice", default="", help="The manufacturer's notice reference.")
def confirm(policy_id: str, period: str, amount: Any, notice: str) -> None:
    """Record the manufacturer's confirmed amount for --store, POLICY_ID and PERIOD.

    A negative amount is legitimate: a notice whose claw-backs (跨区, 信息不实) outweigh
    what the policy pays is a deduction (write it after --, e.g. `confirm P Q -- -5000`).
    A later notice replaces an earlier one."""
    from fours_domain.rebates import services as svc

    st = state()
    cmd = svc.ConfirmRebate(st.require_store(), policy_id, period, amount, notice)
    emit(_claim_dict(_done(svc.confirm_rebate(st.app.uow(), cmd, st.app.clock))))


@rebates.command("settle")
@click.argument("policy_id")
@click.argument("period")
@click.option("--ref", "reference", default="", help="Payment or credit-note reference.")
@click.option(
    "--paid",
    type=Amount(),
    default=None,
    metavar="YUAN",
    help="What actually arrived (default: exactly what is due); the difference is recorded.",
)
def settle(policy_id: str, period: str, reference: str, paid: Any) -> None:
    """Settle --store's confirmed claim: due = confirmed − already settled (sub-periods
    too); record --paid, what actually arrived. An estimate alone is not settled: confirm
    the manufacturer's notice first. A short or over payment leaves the claim open with
    the rest outstanding."""
    from fours_domain.rebates import services as svc

    st = state()
    cmd = svc.SettleRebate(st.require_store(), policy_id, period, reference, paid)
    outcome = _done(svc.settle_rebate(st.app.uow(), cmd, st.app.clock))
    data = {
        "store": cmd.store_id.upper(),
        "policy": policy_id.upper(),
        "period": period.upper(),
        "entitled": _money(outcome.entitled),
        "already_settled": _money(outcome.already_settled),
        "due": _money(outcome.due),
        "paid_now": _money(outcome.paid_now),
        "difference": _money(outcome.difference),
        "outstanding": _money(outcome.outstanding),
        "reference": None if outcome.settlement is None else outcome.settlement.reference,
    }
    emit(data)


@rebates.command("reconcile")
@click.argument("period")
@click.argument("statement", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--all", "show_all", is_flag=True, help="Also list the matched lines.")
def reconcile(period: str, statement: Path, show_all: bool) -> None:
    """Reconcile a manufacturer STATEMENT (canonical CSV) with our accruals for PERIOD."""
    from fours_adapters.rebates.statement_csv import parse_statement_csv
    from fours_domain.rebates import services as svc

    st = state()
    with statement.open(encoding="utf-8", newline="") as handle:
        lines = _done(parse_statement_csv(handle))
    cmd = svc.ReconcileStatement(period, lines, st.store)
    report = _done(svc.reconcile_statement(st.app.uow(), cmd))
    rows = [
        {
            "vin": line.vin,
            "policy": line.policy_id,
            "store": line.store_id,
            "ours": _money(line.ours),
            "theirs": _money(line.theirs),
            "delta": _money(line.delta),
            "difference": line.difference.value,
            "cause": None if line.cause is None else line.cause.value,
            "explanation": line.explanation,
        }
        for line in (report.lines if show_all else report.differences)
    ]
    data = {
        "period": report.period_key,
        "ours_total": _money(report.ours_total),
        "theirs_total": _money(report.theirs_total),
        "difference": _money(report.difference),
        "lines": rows,
    }
    human = (
        table(rows)
        + f"\n\nOurs ¥{data['ours_total']}  statement ¥{data['theirs_total']}"
        + f"  difference ¥{data['difference']} over {len(report.differences)} line(s)"
    )
    emit(data, human)


@rebates.command("what-if")
@click.argument("policy_id")
@click.argument("period")
def what_if(policy_id: str, period: str) -> None:
    """How many more cars of which models reach the next tiers, and what that is worth."""
    from fours_domain.rebates import services as svc

    st = state()
    options = _done(svc.what_if_rebates(st.app.uow(), svc.WhatIf(policy_id, period, st.store)))
    rows = [
        {
            "scope": o.scope_key,
            "tier": o.rung,
            "model": o.model,
            "more_cars": o.extra_units,
            "assumed_pre_tax": None if o.assumed_pre_tax is None else _money(o.assumed_pre_tax),
            "rebate_now": _money(o.current_total),
            "rebate_then": _money(o.total_then),
            "gain": _money(o.gain),
        }
        for o in options
    ]
    emit(rows, table(rows) if rows else "The top tier is reached already.")


@rebates.command("cost")
@click.argument("vin")
def vehicle_cost(vin: str) -> None:
    """Effective vehicle cost of a car of --store after its vehicle-cost rebates."""
    from fours_domain.rebates import services as svc

    st = state()
    result = _done(
        svc.effective_vehicle_cost(st.app.uow(), svc.VehicleCost(st.require_store(), vin))
    )
    margin = result.gross_margin
    emit(
        {
            "vin": result.vin,
            "purchase_pre_tax": _money(result.purchase_pre_tax),
            "rebates": _money(result.rebates),
            "effective_cost": _money(result.effective_cost),
            "sale_pre_tax": None if result.sale_pre_tax is None else _money(result.sale_pre_tax),
            "gross_margin": None if margin is None else _money(margin),
        }
    )
