"""Where each table lives on Citus (distributed PostgreSQL), read from the metadata tags.

Every table carries ``info={"citus": KIND, ...}`` (:mod:`fours_adapters.sql.metadata`):

* ``distributed`` — sharded by ``distribute_by`` (``store_id`` for store-owned rows,
  ``vin`` for the vehicle tables); tables with the same distribution column are
  co-located, so one store's (or one car's) rows sit on one shard;
* ``reference`` — group-wide master data, replicated to every worker;
* ``local`` — stays on the coordinator (operational journals nobody joins).

:func:`layout_problems` checks the rules Citus imposes (a test runs it over the whole
schema); :func:`citus_ddl` prints the statements that distribute a migrated schema.
See docs/scaling.md and ADR 0008.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import attrs
from sqlalchemy import Index, MetaData, Table, UniqueConstraint

Kind = Literal["distributed", "reference", "local"]
KINDS: tuple[Kind, ...] = ("distributed", "reference", "local")


@attrs.frozen
class Placement:
    """A table's Citus kind and, when distributed, its distribution column."""

    kind: Kind
    column: str | None = None


def placement(table: Table) -> Placement:
    """The placement a table's ``info`` declares (a missing or unknown tag raises)."""
    kind = table.info.get("citus")
    if kind not in KINDS:
        raise ValueError(f"table {table.name} must declare info['citus'] as one of {KINDS}")
    if kind == "distributed":
        return Placement("distributed", str(table.info.get("distribute_by", "store_id")))
    return Placement(kind)


def _unique_keys(table: Table) -> list[tuple[str, list[str]]]:
    keys = [("primary key", [c.name for c in table.primary_key.columns])]
    keys += [
        (f"unique constraint {c.name}", [col.name for col in c.columns])
        for c in table.constraints
        if isinstance(c, UniqueConstraint)
    ]
    keys += [
        (f"unique index {i.name}", [col.name for col in i.columns])
        for i in table.indexes
        if isinstance(i, Index) and i.unique
    ]
    return keys


def layout_problems(metadata: MetaData, not_by_store: Mapping[str, str]) -> list[str]:
    """Every way the tagged schema breaks a Citus rule (an empty list when it holds).

    ``not_by_store`` names the tables that have a ``store_id`` column yet are not
    distributed by it, each with the reason (e.g. a car moves between stores).
    """
    problems: list[str] = []
    placements: dict[str, Placement] = {}
    for table in metadata.sorted_tables:
        try:
            placements[table.name] = placement(table)
        except ValueError as error:
            problems.append(str(error))
    for table in metadata.sorted_tables:
        where = placements.get(table.name)
        if where is None:
            continue
        by_store = where == Placement("distributed", "store_id")
        if "store_id" in table.c and not by_store and table.name not in not_by_store:
            problems.append(
                f"{table.name} has a store_id column but is {where.kind}"
                + (f" by {where.column}" if where.column else "")
                + ": distribute it by store_id, or allow-list it with the reason"
            )
        if where.kind == "distributed":
            problems += _distributed_problems(table, where, placements)
        else:
            problems += [
                f"{table.name} ({where.kind}) references {fk.referred_table.name} "
                f"({placements[fk.referred_table.name].kind}): "
                f"{where.kind} tables may reference only reference tables"
                for fk in table.foreign_key_constraints
                if placements.get(fk.referred_table.name, Placement("reference")).kind
                != "reference"
            ]
    return problems


def _distributed_problems(
    table: Table, where: Placement, placements: Mapping[str, Placement]
) -> list[str]:
    column = where.column
    assert column is not None
    if column not in table.c:
        return [f"{table.name} is distributed by {column}, which it does not have"]
    problems = [
        f"{table.name}: {what} ({', '.join(columns)}) lacks the distribution column {column}"
        for what, columns in _unique_keys(table)
        if column not in columns
    ]
    if table.c[column].nullable and not table.c[column].primary_key:
        problems.append(f"{table.name}: distribution column {column} must be NOT NULL")
    if where.column == "store_id" and next(iter(table.primary_key.columns)).name != "store_id":
        problems.append(f"{table.name}: a store-owned primary key must start with store_id")
    for fk in table.foreign_key_constraints:
        target = fk.referred_table
        target_place = placements.get(target.name)
        if target_place is None or target_place.kind == "reference":
            continue
        pairs = {(e.parent.name, e.column.name) for e in fk.elements}
        colocated = (
            target_place.kind == "distributed"
            and target_place.column == column
            and (column, column) in pairs
            and str(table.c[column].type) == str(target.c[column].type)
        )
        if not colocated:
            problems.append(
                f"{table.name} references {target.name} ({target_place.kind}"
                + (f" by {target_place.column}" if target_place.column else "")
                + f") other than through the shared distribution column {column}"
            )
    return problems


def citus_ddl(metadata: MetaData) -> list[str]:
    """``SELECT`` statements that place a migrated schema on Citus, in a valid order:
    reference tables first, then each co-location group, parents before children.

    Local tables need no statement: they stay on the coordinator.
    """
    statements: list[str] = []
    anchors: dict[str, str] = {}
    tables = metadata.sorted_tables
    for table in tables:
        if placement(table).kind == "reference":
            statements.append(f"SELECT create_reference_table('{table.name}');")
    for table in tables:
        where = placement(table)
        if where.kind != "distributed":
            continue
        assert where.column is not None
        anchor = anchors.setdefault(where.column, table.name)
        colocate = "'none'" if anchor == table.name else f"'{anchor}'"
        statements.append(
            f"SELECT create_distributed_table('{table.name}', '{where.column}', "
            f"colocate_with => {colocate});"
        )
    return statements
