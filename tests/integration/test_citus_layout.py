"""The schema is ready for Citus: the metadata tags obey Citus's rules (ADR 0008).

* every distributed table's primary key and unique keys include its distribution column;
* every foreign key from a distributed table goes to a reference table, or to a table
  co-located with it through the distribution column;
* reference and coordinator-local tables reference only reference tables;
* a table with a ``store_id`` column is distributed by it — unless allow-listed below.
"""

import pytest
from sqlalchemy import (
    Column,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Table,
)

from fours_adapters.sql.citus import citus_ddl, layout_problems, placement
from fours_adapters.sql.metadata import DISTRIBUTED, LOCAL, REFERENCE, distributed_by, metadata
from fours_adapters.sql.tables import import_all_tables

import_all_tables()

#: Tables that carry store_id yet are not distributed by it, and why.
NOT_BY_STORE = {
    "veh_vehicles": "a car moves between stores and Citus cannot update a distribution "
    "column; by VIN a car, its history and its PDI records share one shard",
    "veh_history": "co-located with veh_vehicles by VIN; store_id records where it happened",
    "veh_pdi_inspections": "co-located with veh_vehicles by VIN",
}


def test_the_schema_obeys_the_citus_rules() -> None:
    assert layout_problems(metadata, NOT_BY_STORE) == []


def test_the_allow_list_names_only_real_exceptions() -> None:
    for name in NOT_BY_STORE:
        table = metadata.tables[name]
        assert "store_id" in table.c and placement(table).column != "store_id"


@pytest.mark.parametrize("name", sorted(metadata.tables))
def test_every_table_declares_where_it_lives(name: str) -> None:
    assert placement(metadata.tables[name]).kind in {"distributed", "reference", "local"}


def test_the_places_of_the_organisation_and_the_journal() -> None:
    assert placement(metadata.tables["org_stores"]).kind == "reference"
    assert placement(metadata.tables["org_bins"]).column == "store_id"
    assert placement(metadata.tables["veh_history"]).column == "vin"
    assert placement(metadata.tables["dms_imports"]).kind == "local"


def test_the_ddl_places_parents_first_and_colocates_each_group() -> None:
    ddl = citus_ddl(metadata)
    position = {line.split("'")[1]: i for i, line in enumerate(ddl)}
    assert "dms_imports" not in position  # stays on the coordinator
    for table in metadata.sorted_tables:
        for fk in table.foreign_key_constraints:
            if table.name in position and fk.referred_table.name in position:
                assert position[fk.referred_table.name] < position[table.name]
    assert "SELECT create_reference_table('org_stores');" in ddl
    anchors = [line for line in ddl if "colocate_with => 'none'" in line]
    assert len(anchors) == 2  # one co-location group by store_id, one by vin
    assert all(
        "'store_id', colocate_with =>" in line or "'vin', colocate_with =>" in line
        for line in ddl
        if "create_distributed_table" in line
    )


def _bad_schema() -> MetaData:
    bad = MetaData()
    Table("stores", bad, Column("id", String(32), primary_key=True), info=REFERENCE)
    Table(
        "orders",
        bad,
        Column("store_id", String(32), ForeignKey("stores.id"), primary_key=True),
        Column("id", Integer, primary_key=True),
        Column("number", String(20), nullable=False),
        Index("uq_orders_number", "number", unique=True),  # without store_id
        info=DISTRIBUTED,
    )
    Table(
        "cars",
        bad,
        Column("vin", String(17), primary_key=True),
        Column("order_store", String(32), nullable=False),
        Column("order_id", Integer, nullable=False),
        # to a store-distributed table, not through the shard key
        ForeignKeyConstraint(["order_store", "order_id"], ["orders.store_id", "orders.id"]),
        info=distributed_by("vin"),
    )
    Table(
        "prices",
        bad,
        Column("store_id", String(32), primary_key=True),  # store data tagged reference
        Column("part", String(40), primary_key=True),
        info=REFERENCE,
    )
    Table(
        "notes",
        bad,
        Column("id", Integer, primary_key=True),
        Column("order_store", String(32), nullable=False),
        Column("order_id", Integer, nullable=False),
        ForeignKeyConstraint(["order_store", "order_id"], ["orders.store_id", "orders.id"]),
        info=LOCAL,
    )
    Table("untagged", bad, Column("id", Integer, primary_key=True))
    return bad


def test_the_checker_reports_each_broken_rule() -> None:
    problems = layout_problems(_bad_schema(), {})
    assert sorted(problems) == sorted(
        [
            "table untagged must declare info['citus'] as one of "
            "('distributed', 'reference', 'local')",
            "orders: unique index uq_orders_number (number) lacks the distribution column store_id",
            "cars references orders (distributed by store_id) other than through the shared "
            "distribution column vin",
            "prices has a store_id column but is reference: distribute it by store_id, or "
            "allow-list it with the reason",
            "notes (local) references orders (distributed): local tables may reference only "
            "reference tables",
        ]
    )
