"""SQL repositories of the pricing context.

Pricing is stored with SQLAlchemy Core and explicit converters (``scheme_row``
/ ``scheme_from``, ``quote_rows`` / ``quote_from``) rather than imperative ORM
mappings: schemes are immutable values read by the thousand for resolution
(no identity map or change tracking to pay for), and a quote is written whole
as a snapshot (docs/adr/0031-pricing-storage.md). The converters have
round-trip property tests.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    String,
    and_,
    delete,
    func,
    literal,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.orm import Session

from fours_adapters.sql.org import tables as org_tables
from fours_adapters.sql.pricing import tables as t
from fours_domain.pricing.authority import AuthorityRule, RoleCode, Subject
from fours_domain.pricing.model import (
    GROUP_SCOPE_CODE,
    PriceKind,
    PriceScheme,
    PriceScope,
    SchemeId,
    ScopeLevel,
    StorePlace,
    ValidityWindow,
)
from fours_domain.pricing.parts import (
    PartApprovalId,
    PartDiscountPolicy,
    PartGrantId,
    PartPriceApproval,
    PartPriceGrant,
)
from fours_domain.pricing.quotes import (
    Approval,
    ConcurrentQuoteChange,
    Quote,
    QuoteId,
    QuoteLine,
    QuoteStatus,
    ReferencePrice,
)
from fours_domain.shared.catalogue import ModelCode, PartNumber, SpecPattern, VehicleSpec
from fours_domain.shared.errors import InvariantViolation
from fours_domain.shared.ids import BrandCode, RegionId, StoreId, UserId
from fours_domain.shared.money import VatRate

# --- schemes -----------------------------------------------------------------------------


def scheme_row(scheme: PriceScheme) -> dict[str, Any]:
    """The row of ``scheme`` in ``prc_schemes`` or (store scope) ``prc_store_schemes``."""
    row: dict[str, Any] = {
        "id": scheme.id,
        "name": scheme.name,
        "kind": scheme.kind,
        "brand": scheme.target.brand,
        "model": scheme.target.model,
        "trim": scheme.target.trim,
        "colour": scheme.target.colour,
        "interior": scheme.target.interior,
        "price": scheme.price,
        "priority": scheme.priority,
        "starts": scheme.window.starts,
        "ends": scheme.window.ends,
        "created_at": scheme.created_at,
        "ended_at": scheme.ended_at,
        "end_reason": scheme.end_reason,
    }
    if scheme.scope.level is ScopeLevel.STORE:
        row["store_id"] = scheme.scope.code
    else:
        row["scope_level"] = scheme.scope.level
        row["scope_code"] = scheme.scope.code
    return row


def scheme_from(row: Mapping[Any, Any]) -> PriceScheme:
    if "store_id" in row:
        scope = PriceScope.store(row["store_id"])
    else:
        scope = PriceScope(ScopeLevel(row["scope_level"]), row["scope_code"])
    return PriceScheme(
        id=SchemeId(row["id"]),
        name=row["name"],
        kind=row["kind"],
        scope=scope,
        target=SpecPattern(row["brand"], row["model"], row["trim"], row["colour"], row["interior"]),
        price=row["price"],
        priority=row["priority"],
        window=ValidityWindow(row["starts"], row["ends"]),
        created_at=row["created_at"],
        ended_at=row["ended_at"],
        end_reason=row["end_reason"],
    )


def _model_is(column: Any, model: ModelCode) -> ColumnElement[bool]:
    return or_(column == model, column.is_(None))


def advisory_key(text: str) -> int:
    """A stable signed 64-bit key for ``pg_advisory_xact_lock`` (Python's ``hash`` is salted)."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), signed=True)


class SqlPriceSchemeRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def serialise(self, scheme: PriceScheme) -> None:
        """PostgreSQL: transaction-scoped advisory locks on the scheme's (kind, scope,
        target) and on its id, taken in key order (no deadlock between two writers).
        SQLite needs none: every write transaction begins IMMEDIATE and so runs alone."""
        if self._session.get_bind().dialect.name != "postgresql":
            return
        keys = sorted(
            {
                advisory_key(f"prc-target:{scheme.kind.value}:{scheme.scope}:{scheme.target}"),
                advisory_key(f"prc-id:{scheme.id}"),
            }
        )
        for key in keys:
            self._session.execute(select(func.pg_advisory_xact_lock(key)))

    def set_end(self, scheme: PriceScheme) -> None:
        table: Any = t.store_schemes if scheme.scope.level is ScopeLevel.STORE else t.schemes
        c = table.c
        where = [c.id == scheme.id]
        if scheme.scope.level is ScopeLevel.STORE:
            where.append(c.store_id == scheme.scope.code)
        done = self._session.execute(
            update(table)
            .where(*where, c.ends.is_(None))
            .values(ends=scheme.window.ends, ended_at=scheme.ended_at, end_reason=scheme.end_reason)
        )
        if getattr(done, "rowcount", 1) != 1:
            raise InvariantViolation(f"price scheme {scheme.id} has an end already")

    def add(self, scheme: PriceScheme) -> None:
        table = t.store_schemes if scheme.scope.level is ScopeLevel.STORE else t.schemes
        self._session.execute(table.insert().values(**scheme_row(scheme)))

    def _rows(self, table: Any, *where: ColumnElement[bool]) -> list[PriceScheme]:
        result = self._session.execute(select(table).where(*where))
        return [scheme_from(row) for row in result.mappings()]

    def get(self, scheme_id: SchemeId) -> PriceScheme | None:
        found = self._rows(t.schemes, t.schemes.c.id == scheme_id) or self._rows(
            t.store_schemes, t.store_schemes.c.id == scheme_id
        )
        return found[0] if found else None

    def place(self, store_id: StoreId) -> StorePlace | None:
        c = org_tables.stores.c
        row = self._session.execute(
            select(c.id, c.region_id, c.time_zone).where(c.id == store_id)
        ).first()
        return None if row is None else StorePlace(StoreId(row[0]), RegionId(row[1]), row[2])

    def candidates(
        self, brand: BrandCode, model: ModelCode, place: StorePlace
    ) -> Sequence[PriceScheme]:
        g, s = t.schemes.c, t.store_schemes.c
        shared = or_(
            *(
                and_(g.scope_level == level, g.scope_code == code, g.brand == brand, match)
                for level, code in (
                    (ScopeLevel.GROUP, GROUP_SCOPE_CODE),
                    (ScopeLevel.REGION, place.region_id),
                )
                for match in (g.model == model, g.model.is_(None))
            )
        )
        own = and_(s.store_id == place.store_id, s.brand == brand, _model_is(s.model, model))
        columns = [c.name for c in t.schemes.c if c.name not in ("scope_level", "scope_code")]
        # One round trip: the group/region rows (reference table) and the store's own rows
        # (one shard under Citus), each through its lookup index.
        query = union_all(
            select(g.scope_level, g.scope_code, *(g[n] for n in columns)).where(shared),
            select(
                literal(ScopeLevel.STORE.value, String()).label("scope_level"),
                s.store_id.label("scope_code"),
                *(s[n] for n in columns),
            ).where(own),
        )
        return [scheme_from(row) for row in self._session.execute(query).mappings()]

    def same_target(self, scheme: PriceScheme) -> Sequence[PriceScheme]:
        target = scheme.target
        if scheme.scope.level is ScopeLevel.STORE:
            c: Any = t.store_schemes.c
            table: Any = t.store_schemes
            scope_match = [c.store_id == scheme.scope.code]
        else:
            c, table = t.schemes.c, t.schemes
            scope_match = [c.scope_level == scheme.scope.level, c.scope_code == scheme.scope.code]
        fields = [
            c.brand == target.brand,
            *(
                (c[name].is_(None) if value is None else c[name] == value)
                for name, value in (
                    ("model", target.model),
                    ("trim", target.trim),
                    ("colour", target.colour),
                    ("interior", target.interior),
                )
            ),
        ]
        return self._rows(table, *scope_match, c.kind == scheme.kind, *fields)

    @staticmethod
    def _filters(
        brand: BrandCode | None, kind: PriceKind | None, scope: str | None
    ) -> list[tuple[Any, list[ColumnElement[bool]]]]:
        """Per scheme table that can hold matches, its WHERE clauses."""
        parsed = None if scope is None else PriceScope.parse(scope)
        tables: list[tuple[Any, list[ColumnElement[bool]]]] = []
        for table in (t.schemes, t.store_schemes):
            c: Any = table.c
            where: list[ColumnElement[bool]] = []
            if brand is not None:
                where.append(c.brand == brand)
            if kind is not None:
                where.append(c.kind == kind)
            if parsed is not None:
                if (parsed.level is ScopeLevel.STORE) != (table is t.store_schemes):
                    continue
                if parsed.level is ScopeLevel.STORE:
                    where.append(c.store_id == parsed.code)
                else:
                    where += [c.scope_level == parsed.level, c.scope_code == parsed.code]
            tables.append((table, where))
        return tables

    def list(
        self,
        *,
        brand: BrandCode | None = None,
        kind: PriceKind | None = None,
        scope: str | None = None,
        limit: int = 1000,
    ) -> Sequence[PriceScheme]:
        if limit < 1:
            raise InvariantViolation(f"a limit must be at least 1, got {limit}")
        found: list[PriceScheme] = []
        for table, where in self._filters(brand, kind, scope):
            query = select(table).where(*where).order_by(table.c.id).limit(limit)
            found += [scheme_from(row) for row in self._session.execute(query).mappings()]
        return sorted(found, key=lambda s: s.id)[:limit]

    def count(
        self,
        *,
        brand: BrandCode | None = None,
        kind: PriceKind | None = None,
        scope: str | None = None,
    ) -> int:
        return sum(
            self._session.scalar(select(func.count()).select_from(table).where(*where)) or 0
            for table, where in self._filters(brand, kind, scope)
        )


# --- quotes ------------------------------------------------------------------------------


def quote_rows(quote: Quote) -> dict[str, list[dict[str, Any]]]:
    """Every row of ``quote``, by table name."""
    key = {"store_id": quote.store_id, "quote_id": quote.id}
    spec = quote.spec
    return {
        "prc_quotes": [
            {
                "store_id": quote.store_id,
                "id": quote.id,
                "brand": spec.brand,
                "model": spec.model,
                "trim": spec.trim,
                "colour": spec.colour,
                "interior": spec.interior,
                "model_year": spec.model_year,
                "customer": quote.customer,
                "author": quote.author,
                "author_role": quote.author_role,
                "created_at": quote.created_at,
                "status": quote.status,
                "accepted_at": quote.accepted_at,
                "accepted_by": quote.accepted_by,
            }
        ],
        "prc_quote_lines": [
            {
                **key,
                "line_no": i,
                "kind": line.kind,
                "description": line.description,
                "unit_price": line.unit_price,
                "quantity": line.quantity,
                "vat_rate": line.vat.rate,
                "gross": line.split.gross,
                "net": line.split.net,
                "vat": line.split.vat,
                "part_number": line.part_number,
                "policy_price": line.policy_price,
            }
            for i, line in enumerate(quote.lines, start=1)
        ],
        "prc_quote_references": [
            {**key, "kind": r.kind, "price": r.price, "scheme_id": r.scheme_id}
            for r in quote.references
        ],
        "prc_quote_approvals": [
            {
                **key,
                "seq": i,
                "approver": a.approver,
                "role": a.role,
                "price": a.price,
                "reason": a.reason,
                "approved_at": a.approved_at,
                "expires_at": a.expires_at,
            }
            for i, a in enumerate(quote.approvals, start=1)
        ],
    }


def quote_from(rows: Mapping[str, Sequence[Mapping[Any, Any]]]) -> Quote:
    head = rows["prc_quotes"][0]
    lines = []
    for row in sorted(rows["prc_quote_lines"], key=lambda r: r["line_no"]):
        line = QuoteLine(
            row["kind"],
            row["description"],
            row["unit_price"],
            row["quantity"],
            VatRate(Decimal(row["vat_rate"])),
            part_number=None if row["part_number"] is None else PartNumber(row["part_number"]),
            policy_price=row["policy_price"],
        )
        if (line.split.gross, line.split.net, line.split.vat) != (
            row["gross"],
            row["net"],
            row["vat"],
        ):
            raise ValueError(f"quote {head['id']} line {row['line_no']}: stored figures differ")
        lines.append(line)
    return Quote(
        id=QuoteId(head["id"]),
        store_id=StoreId(head["store_id"]),
        spec=VehicleSpec(
            head["brand"],
            head["model"],
            head["trim"],
            head["colour"],
            head["interior"],
            head["model_year"],
        ),
        customer=head["customer"],
        author=UserId(head["author"]),
        author_role=head["author_role"],
        created_at=head["created_at"],
        status=QuoteStatus(head["status"]),
        lines=lines,
        references=tuple(
            ReferencePrice(r["kind"], r["price"], SchemeId(r["scheme_id"]))
            for r in sorted(
                rows["prc_quote_references"], key=lambda r: list(PriceKind).index(r["kind"])
            )
        ),
        approvals=[
            Approval(
                approver=UserId(r["approver"]),
                role=RoleCode(r["role"]),
                price=r["price"],
                reason=r["reason"],
                approved_at=r["approved_at"],
                expires_at=r["expires_at"],
            )
            for r in sorted(rows["prc_quote_approvals"], key=lambda r: r["seq"])
        ],
        accepted_at=head["accepted_at"],
        accepted_by=None if head["accepted_by"] is None else UserId(head["accepted_by"]),
    )


_QUOTE_TABLES = (t.quotes, t.quote_lines, t.quote_references, t.quote_approvals)


class SqlQuoteRepository:
    """Quotes, written whole; every save of a quote read here is checked against the
    version read and refused for a stored accepted quote (ADR 0037)."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._versions: dict[tuple[StoreId, QuoteId], int] = {}

    def get(self, store_id: StoreId, quote_id: QuoteId, *, lock: bool = False) -> Quote | None:
        rows: dict[str, list[Mapping[Any, Any]]] = {}
        for table in _QUOTE_TABLES:
            c: Any = table.c
            key = c.id if table is t.quotes else c.quote_id
            query = select(table).where(c.store_id == store_id, key == quote_id)
            if lock and table is t.quotes:
                # PostgreSQL: the head row stays locked until the unit of work ends; a
                # concurrent change of this quote waits, then reads what this one wrote.
                query = query.with_for_update()
            rows[table.name] = list(self._session.execute(query).mappings())
            if not rows["prc_quotes"]:
                return None
        quote = quote_from(rows)
        self._versions[(quote.store_id, quote.id)] = rows["prc_quotes"][0]["version"]
        return quote

    def save(self, quote: Quote) -> None:
        rows = quote_rows(quote)
        key = (quote.store_id, quote.id)
        read = self._versions.get(key)
        if read is None:
            c = t.quotes.c
            stored = self._session.scalar(
                select(c.version).where(c.store_id == quote.store_id, c.id == quote.id)
            )
            if stored is not None:  # saving over a quote this unit of work never read
                raise ConcurrentQuoteChange(quote.store_id, quote.id)
            self._session.execute(t.quotes.insert(), [{**rows["prc_quotes"][0], "version": 1}])
        else:
            c = t.quotes.c
            head = {k: v for k, v in rows["prc_quotes"][0].items() if k not in ("store_id", "id")}
            done = self._session.execute(
                update(t.quotes)
                .where(
                    c.store_id == quote.store_id,
                    c.id == quote.id,
                    c.version == read,
                    c.status == QuoteStatus.DRAFT,
                )
                .values(**head, version=read + 1)
            )
            if getattr(done, "rowcount", 0) != 1:
                raise ConcurrentQuoteChange(quote.store_id, quote.id)
            for table in reversed(_QUOTE_TABLES[1:]):
                tc: Any = table.c
                self._session.execute(
                    delete(table).where(tc.store_id == quote.store_id, tc.quote_id == quote.id)
                )
        for table in _QUOTE_TABLES[1:]:
            if rows[table.name]:
                self._session.execute(table.insert(), rows[table.name])
        self._versions[key] = 1 if read is None else read + 1


# --- authority and parts policies --------------------------------------------------------


class SqlAuthorityRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def rules(self, subject: Subject) -> Sequence[AuthorityRule]:
        c = t.authority.c
        result = self._session.execute(
            select(t.authority).where(c.subject == subject).order_by(c.role)
        )
        return [
            AuthorityRule(r["subject"], r["role"], r["basis"], Decimal(r["share"]), r["amount_off"])
            for r in result.mappings()
        ]

    def put(self, rule: AuthorityRule) -> None:
        self.remove(rule.subject, rule.role)
        self._session.execute(
            t.authority.insert().values(
                subject=rule.subject,
                role=rule.role,
                basis=rule.basis,
                share=rule.share,
                amount_off=rule.amount_off,
            )
        )

    def remove(self, subject: Subject, role: RoleCode) -> bool:
        c = t.authority.c
        result = self._session.execute(
            delete(t.authority).where(c.subject == subject, c.role == role)
        )
        return bool(getattr(result, "rowcount", 0))


class SqlPartPolicyRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def policies(self) -> Sequence[PartDiscountPolicy]:
        c = t.part_policies.c
        result = self._session.execute(
            select(t.part_policies).order_by(c.part_class, c.customer_type)
        )
        return [
            PartDiscountPolicy(r["part_class"], r["customer_type"], Decimal(r["share"]))
            for r in result.mappings()
        ]

    def add(self, policy: PartDiscountPolicy) -> None:
        self._session.execute(
            t.part_policies.insert().values(
                part_class=policy.part_class,
                customer_type=policy.customer_type,
                share=policy.share,
            )
        )


class SqlPartApprovalRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, approval: PartPriceApproval) -> None:
        self._session.execute(
            t.part_approvals.insert().values(
                store_id=approval.store_id,
                id=approval.id,
                part_number=approval.part_number,
                customer_type=approval.customer_type,
                price=approval.price,
                approver=approval.approver,
                role=approval.role,
                reason=approval.reason,
                approved_at=approval.approved_at,
                expires_at=approval.expires_at,
            )
        )

    def get(self, store_id: StoreId, approval_id: PartApprovalId) -> PartPriceApproval | None:
        c = t.part_approvals.c
        row = (
            self._session.execute(
                select(t.part_approvals).where(c.store_id == store_id, c.id == approval_id)
            )
            .mappings()
            .first()
        )
        if row is None:
            return None
        return PartPriceApproval(
            id=PartApprovalId(row["id"]),
            store_id=StoreId(row["store_id"]),
            part_number=PartNumber(row["part_number"]),
            customer_type=row["customer_type"],
            price=row["price"],
            approver=UserId(row["approver"]),
            role=RoleCode(row["role"]),
            reason=row["reason"],
            approved_at=row["approved_at"],
            expires_at=row["expires_at"],
        )


class SqlPartGrantRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, grant: PartPriceGrant) -> None:
        self._session.execute(
            t.part_grants.insert().values(
                store_id=grant.store_id,
                id=grant.id,
                part_number=grant.part_number,
                customer_type=grant.customer_type,
                list_price=grant.list_price,
                policy_price=grant.policy_price,
                policy=grant.policy,
                price=grant.price,
                granted_by=grant.granted_by,
                role=grant.role,
                approval_id=grant.approval_id,
                granted_at=grant.granted_at,
                quote_id=grant.quote_id,
            )
        )

    def list(
        self, store_id: StoreId, *, quote_id: str | None = None, limit: int = 200
    ) -> Sequence[PartPriceGrant]:
        c = t.part_grants.c
        query = select(t.part_grants).where(c.store_id == store_id)
        if quote_id is not None:
            query = query.where(c.quote_id == quote_id)
        query = query.order_by(c.granted_at.desc(), c.id.desc()).limit(limit)
        return [
            PartPriceGrant(
                id=PartGrantId(r["id"]),
                store_id=StoreId(r["store_id"]),
                part_number=PartNumber(r["part_number"]),
                customer_type=r["customer_type"],
                list_price=r["list_price"],
                policy_price=r["policy_price"],
                policy=r["policy"],
                price=r["price"],
                granted_by=UserId(r["granted_by"]),
                role=None if r["role"] is None else RoleCode(r["role"]),
                approval_id=None if r["approval_id"] is None else PartApprovalId(r["approval_id"]),
                granted_at=r["granted_at"],
                quote_id=r["quote_id"],
            )
            for r in self._session.execute(query).mappings()
        ]
