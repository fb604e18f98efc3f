"""``fours rebates``: manufacturer policies, sales facts, estimate → confirm → settle,
reconciliation against a manufacturer statement, and what-if."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import click

from fours_cli.output import emit, fail, state, table
from fours_cli.output import value_or_fail as _done
from fours_domain.shared.errors import DomainError, InvariantViolation


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


def _amount(text: str) -> Any:
    from fours_domain.shared.money import cny, round_fen

    try:
        amount = cny(text)
    except DomainError as error:
        fail(error)
    if round_fen(amount) != amount:
        fail(InvariantViolation(f"{text} has fractions of a fen"))
    return amount


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
    """Add the policies of a TOML FILE (one policy, or several as [[policy]] tables)."""
    import tomllib

    from fours_adapters.sql.rebates.converters import structure_policy
    from fours_domain.rebates import services as svc

    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"), parse_float=Decimal)
    except tomllib.TOMLDecodeError as error:
        fail(InvariantViolation(f"{file}: not valid TOML ({error})"))
    entries = data.get("policy", [data])
    app = state().app
    added = []
    for entry in entries:
        try:
            new = structure_policy(entry)
        except DomainError as error:
            fail(error)
        added.append(_done(svc.add_policy(app.uow(), svc.AddPolicy(new))))
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
        "pre_tax_price": None if f.pre_tax_price is None else _money(f.pre_tax_price),
        "purchase_cost": None if f.purchase_cost is None else _money(f.purchase_cost),
        "flags": sorted(r.value for r in f.clawback_reasons),
    }


@sale.command("add")
@click.argument("vin")
@click.option("--brand", required=True)
@click.option("--model", required=True)
@click.option("--trim", default=None)
@click.option("--colour", default=None)
@click.option("--sold-on", required=True, metavar="DATE", help="Sale (invoice) date.")
@click.option("--price", required=True, metavar="YUAN", help="Tax-inclusive invoice price.")
@click.option("--delivered-on", default=None, metavar="DATE", help="Delivered to the customer.")
@click.option("--picked-up-on", default=None, metavar="DATE", help="Picked up (提车).")
@click.option("--cost", default=None, metavar="YUAN", help="Tax-inclusive purchase cost.")
@click.option("--out-of-territory", is_flag=True, help="Sold outside the territory.")
@click.option("--bad-customer-data", is_flag=True, help="Customer data missing or false.")
def sale_add(
    vin: str,
    brand: str,
    model: str,
    trim: str | None,
    colour: str | None,
    sold_on: str,
    price: str,
    delivered_on: str | None,
    picked_up_on: str | None,
    cost: str | None,
    out_of_territory: bool,
    bad_customer_data: bool,
) -> None:
    """Record a car sold by --store (and optionally picked up / delivered)."""
    from fours_domain.rebates import services as svc
    from fours_domain.shared.catalogue import VehicleSpec

    st = state()
    try:
        spec = VehicleSpec(brand, model, trim=trim, colour=colour)
    except DomainError as error:
        fail(error)
    cmd = svc.RecordSale(
        store_id=st.require_store(),
        vin=vin,
        spec=spec,
        sold_on=_date(sold_on),
        invoice_price=_amount(price),
        delivered_on=_date(delivered_on),
        picked_up_on=_date(picked_up_on),
        purchase_cost=None if cost is None else _amount(cost),
        out_of_territory=out_of_territory,
        bad_customer_data=bad_customer_data,
    )
    emit(sale_dict(_done(svc.record_sale(st.app.uow(), cmd))))


@sale.command("deliver")
@click.argument("vin")
@click.argument("delivered_on", metavar="DATE")
def sale_deliver(vin: str, delivered_on: str) -> None:
    """Record the delivery of a sold car of --store to its end customer."""
    from fours_domain.rebates import services as svc

    st = state()
    cmd = svc.RecordDelivery(st.require_store(), vin, _date(delivered_on))
    emit(sale_dict(_done(svc.record_delivery(st.app.uow(), cmd))))


@rebates.command("kpi")
@click.argument("kpi", type=click.Choice(["csi", "ssi", "stock_depth"]))
@click.argument("value")
@click.option("--period", required=True, help="e.g. 2026-Q3")
def kpi_set(kpi: str, value: str, period: str) -> None:
    """Record a KPI of --store for a period (CSI score, stock depth in months)."""
    from fours_domain.rebates import services as svc
    from fours_domain.rebates.model import Kpi

    st = state()
    try:
        number = Decimal(value)
    except ArithmeticError:
        fail(InvariantViolation(f"{value!r} is not a number"))
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
@click.argument("amount", metavar="YUAN")
@click.option("--notice", default="", help="The manufacturer's notice reference.")
def confirm(policy_id: str, period: str, amount: str, notice: str) -> None:
    """Record the manufacturer's confirmed amount for --store, POLICY_ID and PERIOD."""
    from fours_domain.rebates import services as svc

    st = state()
    cmd = svc.ConfirmRebate(st.require_store(), policy_id, period, _amount(amount), notice)
    emit(_claim_dict(_done(svc.confirm_rebate(st.app.uow(), cmd, st.app.clock))))


@rebates.command("settle")
@click.argument("policy_id")
@click.argument("period")
@click.option("--ref", "reference", default="", help="Payment or credit-note reference.")
def settle(policy_id: str, period: str, reference: str) -> None:
    """Settle what is still owed to --store: entitled − already settled (sub-periods too)."""
    from fours_domain.rebates import services as svc

    st = state()
    cmd = svc.SettleRebate(st.require_store(), policy_id, period, reference)
    outcome = _done(svc.settle_rebate(st.app.uow(), cmd, st.app.clock))
    data = {
        "store": cmd.store_id.upper(),
        "policy": policy_id.upper(),
        "period": period.upper(),
        "entitled": _money(outcome.entitled),
        "already_settled": _money(outcome.already_settled),
        "paid_now": _money(outcome.paid_now),
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
