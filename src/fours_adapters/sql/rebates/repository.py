"""SQL repository of the rebates context.

Claims are mapped aggregates (ORM). Policies (a JSON definition) and sales
facts (read by the ten thousand for a quarter's estimate) go through Core:
rows become domain objects here, with vehicle specs shared between cars of
the same spec.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from typing import Any

from sqlalchemy import String, and_, delete, insert, or_, select, type_coerce
from sqlalchemy.orm import Session

from fours_adapters.sql.rebates import tables as t
from fours_adapters.sql.rebates.converters import policy_from_json, policy_to_json
from fours_domain.rebates.model import (
    KpiReading,
    PolicyId,
    RebateClaim,
    RebatePolicy,
    SaleAmendment,
    SaleFact,
)
from fours_domain.shared.catalogue import VehicleSpec
from fours_domain.shared.ids import BrandCode, StoreId
from fours_domain.shared.time import Date

_vin_text = type_coerce(t.sales.c.vin, String(17))
"""The VIN column compared as plain text (callers look cars up by the VIN string)."""


class SaleRows:
    """Turns ``reb_sales`` rows into :class:`SaleFact` objects (specs are interned)."""

    def __init__(self) -> None:
        self._specs: dict[tuple[Any, ...], VehicleSpec] = {}

    def fact(self, row: Any) -> SaleFact:
        return self.facts([row])[0]

    def facts(self, rows: Iterable[Any]) -> list[SaleFact]:
        """Facts of ``select(t.sales)`` rows, positionally (columns in the table's order)."""
        specs = self._specs
        new = object.__new__
        made: list[SaleFact] = []
        for (
            store_id,
            vin,
            brand,
            model,
            trim,
            colour,
            interior,
            model_year,
            picked_up_on,
            sold_on,
            delivered_on,
            invoice_price,
            purchase_cost,
            out_of_territory,
            bad_customer_data,
            vat_rate,
        ) in rows:
            key = (brand, model, trim, colour, interior, model_year)
            spec = specs.get(key)
            if spec is None:
                spec = specs[key] = VehicleSpec(*key)
            # Rehydrated like the ORM does (no __init__): rows were validated on the way in.
            fact: SaleFact = new(SaleFact)
            fact.__dict__ = {
                "store_id": store_id,
                "vin": vin,
                "spec": spec,
                "picked_up_on": picked_up_on,
                "sold_on": sold_on,
                "delivered_on": delivered_on,
                "invoice_price": invoice_price,
                "purchase_cost": purchase_cost,
                "out_of_territory": out_of_territory,
                "bad_customer_data": bad_customer_data,
                "vat_rate": vat_rate,
            }
            made.append(fact)
        return made


_SALE_COLUMNS = (
    "store_id",
    "vin",
    "brand",
    "model",
    "trim",
    "colour",
    "interior",
    "model_year",
    "picked_up_on",
    "sold_on",
    "delivered_on",
    "invoice_price",
    "purchase_cost",
    "out_of_territory",
    "bad_customer_data",
    "vat_rate",
)
"""The order :meth:`SaleRows.facts` unpacks ``reb_sales`` rows in (a test checks the table)."""


def sale_row(fact: SaleFact) -> dict[str, Any]:
    spec = fact.spec
    return {
        "store_id": fact.store_id,
        "vin": fact.vin,
        "brand": spec.brand,
        "model": spec.model,
        "trim": spec.trim,
        "colour": spec.colour,
        "interior": spec.interior,
        "model_year": spec.model_year,
        "picked_up_on": fact.picked_up_on,
        "sold_on": fact.sold_on,
        "delivered_on": fact.delivered_on,
        "invoice_price": fact.invoice_price,
        "purchase_cost": fact.purchase_cost,
        "out_of_territory": fact.out_of_territory,
        "bad_customer_data": fact.bad_customer_data,
        "vat_rate": fact.vat_rate,
    }


def policy_row(policy: RebatePolicy) -> dict[str, Any]:
    return {
        "id": policy.id,
        "brand": policy.brand,
        "name": policy.name,
        "kind": policy.kind,
        "period": policy.period,
        "valid_from": policy.valid_from,
        "valid_to": policy.valid_to,
        "definition": policy_to_json(policy),
    }


def sales_between_query(brands: Collection[str], start: Date, end: Date) -> Any:
    """The select of facts picked up or delivered in ``[start, end]`` (also the bench baseline)."""
    s = t.sales.c
    return (
        select(t.sales)
        .where(s.brand.in_(sorted(brands)))
        .where(
            or_(
                and_(s.picked_up_on >= start, s.picked_up_on <= end),
                and_(s.delivered_on >= start, s.delivered_on <= end),
            )
        )
        .order_by(s.store_id, s.vin)
    )


class SqlRebateRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    # policies ------------------------------------------------------------
    def get_policy(self, policy_id: PolicyId) -> RebatePolicy | None:
        text = self._session.scalar(
            select(t.policies.c.definition).where(t.policies.c.id == policy_id)
        )
        return None if text is None else policy_from_json(text)

    def add_policy(self, policy: RebatePolicy) -> None:
        self._session.execute(insert(t.policies).values(**policy_row(policy)))

    def list_policies(self, brand: BrandCode | None = None) -> Sequence[RebatePolicy]:
        query = select(t.policies.c.definition).order_by(t.policies.c.id)
        if brand is not None:
            query = query.where(t.policies.c.brand == brand)
        return [policy_from_json(text) for text in self._session.scalars(query)]

    # sales facts -----------------------------------------------------------
    def get_sale(self, store_id: StoreId, vin: str) -> SaleFact | None:
        row = self._session.execute(
            select(t.sales).where(t.sales.c.store_id == store_id, _vin_text == vin)
        ).first()
        return None if row is None else SaleRows().fact(row)

    def save_sale(self, fact: SaleFact) -> None:
        s = t.sales.c
        self._session.execute(
            delete(t.sales).where(s.store_id == fact.store_id, _vin_text == fact.vin.value)
        )
        self._session.execute(insert(t.sales).values(**sale_row(fact)))

    def sales_between(
        self, brands: Collection[BrandCode], start: Date, end: Date
    ) -> Sequence[SaleFact]:
        return SaleRows().facts(self._session.execute(sales_between_query(brands, start, end)))

    def sales_by_vin(self, vins: Collection[str]) -> Sequence[SaleFact]:
        if not vins:
            return []
        rows = SaleRows()
        found: list[SaleFact] = []
        wanted = sorted(vins)
        for i in range(0, len(wanted), 500):
            query = select(t.sales).where(_vin_text.in_(wanted[i : i + 500]))
            found.extend(rows.facts(self._session.execute(query)))
        return found

    def add_amendment(self, amendment: SaleAmendment) -> None:
        self._session.execute(
            insert(t.sale_amendments).values(
                store_id=amendment.store_id,
                vin=amendment.vin,
                seq=amendment.seq,
                at=amendment.at,
                action=amendment.action,
                reason=amendment.reason,
                detail=amendment.detail,
            )
        )

    def amendments(self, store_id: StoreId, vin: str) -> Sequence[SaleAmendment]:
        a = t.sale_amendments.c
        rows = self._session.execute(
            select(t.sale_amendments).where(a.store_id == store_id, a.vin == vin).order_by(a.seq)
        ).mappings()
        return [
            SaleAmendment(
                StoreId(r["store_id"]),
                r["vin"],
                r["seq"],
                r["at"],
                r["action"],
                r["reason"],
                r["detail"],
            )
            for r in rows
        ]

    # KPI readings ------------------------------------------------------------
    def set_kpi(self, reading: KpiReading) -> None:
        k = t.kpis.c
        self._session.execute(
            delete(t.kpis).where(
                k.store_id == reading.store_id,
                k.period_key == reading.period_key,
                k.kpi == reading.kpi,
            )
        )
        self._session.execute(
            insert(t.kpis).values(
                store_id=reading.store_id,
                period_key=reading.period_key,
                kpi=reading.kpi,
                value=reading.value,
            )
        )

    def kpis_for(self, period_key: str) -> Sequence[KpiReading]:
        rows = self._session.execute(select(t.kpis).where(t.kpis.c.period_key == period_key))
        return [KpiReading(StoreId(r.store_id), r.period_key, r.kpi, r.value) for r in rows]

    # claims ------------------------------------------------------------------
    def get_claim(
        self, store_id: StoreId, policy_id: PolicyId, period_key: str
    ) -> RebateClaim | None:
        return self._session.get(RebateClaim, (store_id, policy_id, period_key))

    def add_claim(self, claim: RebateClaim) -> None:
        self._session.add(claim)

    def claims_for(
        self, period_keys: Collection[str], store_id: StoreId | None = None
    ) -> Sequence[RebateClaim]:
        c = t.claims.c
        query = (
            select(RebateClaim)
            .where(c.period_key.in_(sorted(period_keys)))
            .order_by(c.store_id, c.policy_id, c.period_key)
        )
        if store_id is not None:
            query = query.where(c.store_id == store_id)
        return self._session.scalars(query).all()

    def claims_of(self, store_id: StoreId, policy_id: PolicyId) -> Sequence[RebateClaim]:
        c = t.claims.c
        query = (
            select(RebateClaim)
            .where(c.store_id == store_id, c.policy_id == policy_id)
            .order_by(c.period_key)
        )
        return self._session.scalars(query).all()

    def claims_of_store(self, store_id: StoreId) -> Sequence[RebateClaim]:
        c = t.claims.c
        query = (
            select(RebateClaim).where(c.store_id == store_id).order_by(c.policy_id, c.period_key)
        )
        return self._session.scalars(query).all()
