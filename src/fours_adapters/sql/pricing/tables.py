"""Tables of the pricing context (docs/adr/0031-pricing-storage.md).

* ``prc_schemes`` — group- and region-scoped schemes: group-wide reference data
  (Citus reference table, replicated to every node).
* ``prc_store_schemes`` — store-scoped schemes: store-owned, ``store_id`` first
  in the key (distributed with the store's other rows).
* ``prc_quotes`` and children — store-owned; a quote keeps its own figures
  (lines with their tax split, the reference prices and the ids of the schemes
  they came from, approvals), never a live reference to a scheme.
* ``prc_authority``, ``prc_part_policies`` — group-wide reference data.
* ``prc_part_approvals``, ``prc_part_grants`` — store-owned: counter-price approvals, and
  every counter price granted below the policy price (who, on what authority, when).

Lookup indexes lead with the scope, then brand and model, so that finding the
candidates for one car at one store reads a handful of index ranges whatever
the total number of schemes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pendulum
from sqlalchemy import (
    Column,
    DateTime,
    Dialect,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Table,
    TypeDecorator,
)

from fours_adapters.sql.metadata import DISTRIBUTED, REFERENCE, metadata
from fours_adapters.sql.types import DecimalText, EnumText, MoneyType, UtcDateTime
from fours_domain.pricing.authority import Basis, Subject
from fours_domain.pricing.model import PriceKind, ScopeLevel
from fours_domain.pricing.quotes import LineKind, QuoteStatus


class LocalDateTime(TypeDecorator[pendulum.DateTime]):
    """A store-local wall-clock time (no zone): validity window bounds."""

    impl = DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is not None:
            raise ValueError(f"{value.isoformat()} must be wall-clock time without a zone")
        return dt.datetime(  # noqa: DTZ001 - deliberately naive: store-local wall-clock time
            value.year,
            value.month,
            value.day,
            value.hour,
            value.minute,
            value.second,
            value.microsecond,
        )

    def process_result_value(self, value: Any, dialect: Dialect) -> pendulum.DateTime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = dt.datetime.fromisoformat(value)
        assert isinstance(value, dt.datetime)
        return pendulum.naive(
            value.year,
            value.month,
            value.day,
            value.hour,
            value.minute,
            value.second,
            value.microsecond,
        )


def _scheme_columns() -> list[Column[Any]]:
    return [
        Column("name", String(200), nullable=False),
        Column("kind", EnumText(PriceKind, 16), nullable=False),
        Column("brand", String(40), nullable=False),
        Column("model", String(40), nullable=True),
        Column("trim", String(40), nullable=True),
        Column("colour", String(40), nullable=True),
        Column("interior", String(40), nullable=True),
        Column("price", MoneyType(), nullable=False),
        Column("priority", Integer(), nullable=False),
        Column("starts", LocalDateTime(), nullable=True),
        Column("ends", LocalDateTime(), nullable=True),
        Column("created_at", UtcDateTime(), nullable=True),
        Column("ended_at", UtcDateTime(), nullable=True),
        Column("end_reason", String(200), nullable=True),
    ]


schemes = Table(
    "prc_schemes",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("scope_level", EnumText(ScopeLevel, 8), nullable=False),
    Column("scope_code", String(32), nullable=False),
    *_scheme_columns(),
    Index("ix_prc_schemes_lookup", "scope_level", "scope_code", "brand", "model"),
    info=REFERENCE,
)

store_schemes = Table(
    "prc_store_schemes",
    metadata,
    Column("store_id", String(32), primary_key=True),
    Column("id", String(64), primary_key=True),
    *_scheme_columns(),
    ForeignKeyConstraint(["store_id"], ["org_stores.id"]),
    Index("ix_prc_store_schemes_lookup", "store_id", "brand", "model"),
    Index("ix_prc_store_schemes_id", "id"),
    info=DISTRIBUTED,
)

quotes = Table(
    "prc_quotes",
    metadata,
    Column("store_id", String(32), primary_key=True),
    Column("id", String(64), primary_key=True),
    Column("brand", String(40), nullable=False),
    Column("model", String(40), nullable=False),
    Column("trim", String(40), nullable=True),
    Column("colour", String(40), nullable=True),
    Column("interior", String(40), nullable=True),
    Column("model_year", Integer(), nullable=True),
    Column("customer", String(200), nullable=False),
    Column("author", String(64), nullable=False),
    Column("author_role", String(32), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("status", EnumText(QuoteStatus, 16), nullable=False),
    Column("accepted_at", UtcDateTime(), nullable=True),
    Column("accepted_by", String(64), nullable=True),
    # Optimistic check on every save (ADR 0037): UPDATE … WHERE version = :read.
    Column("version", Integer(), nullable=False, server_default="1"),
    ForeignKeyConstraint(["store_id"], ["org_stores.id"]),
    info=DISTRIBUTED,
)

_QUOTE_FK = (["store_id", "quote_id"], ["prc_quotes.store_id", "prc_quotes.id"])

quote_lines = Table(
    "prc_quote_lines",
    metadata,
    Column("store_id", String(32), primary_key=True),
    Column("quote_id", String(64), primary_key=True),
    Column("line_no", Integer(), primary_key=True, autoincrement=False),
    Column("kind", EnumText(LineKind, 16), nullable=False),
    Column("description", String(200), nullable=False),
    Column("unit_price", MoneyType(), nullable=False),
    Column("quantity", Integer(), nullable=False),
    Column("vat_rate", DecimalText(), nullable=False),
    Column("gross", MoneyType(), nullable=False),
    Column("net", MoneyType(), nullable=False),
    Column("vat", MoneyType(), nullable=False),
    Column("part_number", String(40), nullable=True),
    Column("policy_price", MoneyType(), nullable=True),
    ForeignKeyConstraint(*_QUOTE_FK),
    info=DISTRIBUTED,
)

quote_references = Table(
    "prc_quote_references",
    metadata,
    Column("store_id", String(32), primary_key=True),
    Column("quote_id", String(64), primary_key=True),
    Column("kind", EnumText(PriceKind, 16), primary_key=True),
    Column("price", MoneyType(), nullable=False),
    Column("scheme_id", String(64), nullable=False),
    ForeignKeyConstraint(*_QUOTE_FK),
    info=DISTRIBUTED,
)

quote_approvals = Table(
    "prc_quote_approvals",
    metadata,
    Column("store_id", String(32), primary_key=True),
    Column("quote_id", String(64), primary_key=True),
    Column("seq", Integer(), primary_key=True, autoincrement=False),
    Column("approver", String(64), nullable=False),
    Column("role", String(32), nullable=False),
    Column("price", MoneyType(), nullable=False),
    Column("reason", String(200), nullable=False),
    Column("approved_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    ForeignKeyConstraint(*_QUOTE_FK),
    info=DISTRIBUTED,
)

authority = Table(
    "prc_authority",
    metadata,
    Column("subject", EnumText(Subject, 16), primary_key=True),
    Column("role", String(32), primary_key=True),
    Column("basis", EnumText(Basis, 16), nullable=False),
    Column("share", DecimalText(), nullable=False),
    Column("amount_off", MoneyType(), nullable=False),
    info=REFERENCE,
)

part_policies = Table(
    "prc_part_policies",
    metadata,
    Column("part_class", String(32), primary_key=True),
    Column("customer_type", String(32), primary_key=True),
    Column("share", DecimalText(), nullable=False),
    info=REFERENCE,
)

part_approvals = Table(
    "prc_part_approvals",
    metadata,
    Column("store_id", String(32), primary_key=True),
    Column("id", String(64), primary_key=True),
    Column("part_number", String(40), nullable=False),
    Column("customer_type", String(32), nullable=False),
    Column("price", MoneyType(), nullable=False),
    Column("approver", String(64), nullable=False),
    Column("role", String(32), nullable=False),
    Column("reason", String(200), nullable=False),
    Column("approved_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    ForeignKeyConstraint(["store_id"], ["org_stores.id"]),
    info=DISTRIBUTED,
)

part_grants = Table(
    "prc_part_grants",
    metadata,
    Column("store_id", String(32), primary_key=True),
    Column("id", String(64), primary_key=True),
    Column("part_number", String(40), nullable=False),
    Column("customer_type", String(32), nullable=False),
    Column("list_price", MoneyType(), nullable=False),
    Column("policy_price", MoneyType(), nullable=False),
    Column("policy", String(200), nullable=False),
    Column("price", MoneyType(), nullable=False),
    Column("granted_by", String(64), nullable=False),
    Column("role", String(32), nullable=True),
    Column("approval_id", String(64), nullable=True),
    Column("granted_at", UtcDateTime(), nullable=False),
    Column("quote_id", String(64), nullable=True),
    ForeignKeyConstraint(["store_id"], ["org_stores.id"]),
    info=DISTRIBUTED,
)
