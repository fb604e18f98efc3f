"""The part price bulk path against the record path: same catalogue, counts and rejections.

Differential: random sequences of Arrow batches (known and new parts, part numbers
repeated within and across batches, missing prices, bad class codes, names and brands
with control characters, rows equal to the catalogue) are applied once record by record
(``apply`` on ``part_price_records``) and once set-wise (``apply_batch``), each in a
unit of work that is rolled back, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert, select

from fours_adapters.bootstrap import FoursApp
from fours_adapters.dms.appliers.parts import PartPriceApplier
from fours_adapters.dms.binding import BindingContext
from fours_adapters.dms.columnar import PART_PRICE_SCHEMA, PART_PRICES, ArrowBatch
from fours_adapters.dms.columnar import part_price_records as records_of
from fours_adapters.sql.inventory import tables as inv
from fours_adapters.sql.uow import SqlUnitOfWork
from fours_domain.dms.ports import Applied, BatchApplier, BatchOutcome, Change, Rejection
from fours_domain.inventory.model import MovementClass
from fours_domain.shared.money import money_of_fen

NUMBERS = ["A-1", "B-2", "C-3", "D-4", "E-5"]
NAMES = ["Filter", "Brake pad", "机油滤清器", "Bell\x07name", "Nul\x00name"]
CLASSES = [None, "REPAIR", "repair", "lower case!", "X\x01Y"]
BRANDS = [None, "AUDI", "BAD\x1bBRAND"]
PRICES = [None, 0, 100, 12_950]

Row = dict[str, Any]
Outcome = tuple[int, int, int, list[Rejection]]

rows = st.fixed_dictionaries(
    {
        "part_number": st.sampled_from(NUMBERS),
        "name": st.sampled_from(NAMES),
        "brand": st.sampled_from(BRANDS),
        "retail_fen": st.sampled_from(PRICES),
        "dealer_fen": st.sampled_from(PRICES),
        "part_class": st.sampled_from(CLASSES),
    }
)
seed_parts = st.dictionaries(
    st.sampled_from(NUMBERS),
    st.tuples(st.sampled_from(NAMES[:3]), st.sampled_from(PRICES[1:]), st.sampled_from(PRICES[1:])),
    max_size=4,
)
documents = st.lists(st.lists(rows, min_size=0, max_size=8), min_size=1, max_size=3)


def source(batch: int) -> Callable[[int], str]:
    return lambda index: f"batch {batch} row {index}"


def batches(document: list[list[Row]]) -> list[ArrowBatch]:
    made = []
    line = 2
    for number, batch in enumerate(document):
        numbered = []
        for row in batch:
            numbered.append({**row, "line": line, "unit": None, "effective_from": None})
            line += 1
        made.append(
            ArrowBatch(
                PART_PRICES,
                "prices.csv",
                pa.RecordBatch.from_pylist(numbered, schema=PART_PRICE_SCHEMA),
                source(number),
            )
        )
    return made


def seed(app: FoursApp, parts: dict[str, tuple[str, int, int]]) -> None:
    with app.uow() as uow:
        uow.session.execute(inv.parts.delete())
        if parts:
            uow.session.execute(
                insert(inv.parts),
                [
                    {
                        "scope_key": "*",
                        "number": number,
                        "name": name,
                        "part_class": "BODY",
                        "list_price": money_of_fen(retail),
                        "cost_price": money_of_fen(dealer),
                        "supplier": "VW",
                        "fits": (),
                        "movement_class": MovementClass.SLOW,
                    }
                    for number, (name, retail, dealer) in parts.items()
                ],
            )
        uow.commit()


def catalogue(uow: SqlUnitOfWork) -> list[tuple[Any, ...]]:
    return [
        tuple(row) for row in uow.session.execute(select(inv.parts).order_by(inv.parts.c.number))
    ]


def by_records(app: FoursApp, applier: PartPriceApplier, made: list[ArrowBatch]) -> Any:
    outcomes: list[Outcome] = []
    with app.uow() as uow:
        for batch in made:
            applied = applier.apply(uow, list(records_of(batch)), app.clock.now())
            changes = [o.change for o in applied if isinstance(o, Applied)]
            outcomes.append(
                (
                    changes.count(Change.CREATED),
                    changes.count(Change.UPDATED),
                    changes.count(Change.UNCHANGED),
                    [o for o in applied if isinstance(o, Rejection)],
                )
            )
        return outcomes, catalogue(uow)


def by_batches(app: FoursApp, applier: PartPriceApplier, made: list[ArrowBatch]) -> Any:
    outcomes: list[Outcome] = []
    with app.uow() as uow:
        for batch in made:
            got = applier.apply_batch(uow, batch, app.clock.now())
            assert isinstance(got, BatchOutcome)
            assert got.created + got.updated + got.unchanged + len(got.rejections) == len(batch)
            outcomes.append((got.created, got.updated, got.unchanged, list(got.rejections)))
        return outcomes, catalogue(uow)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(parts=seed_parts, document=documents)
def test_a_batch_is_applied_as_its_records_would_be(
    app: FoursApp, parts: dict[str, tuple[str, int, int]], document: list[list[Row]]
) -> None:
    applier = PartPriceApplier(BindingContext("csv"))
    assert isinstance(applier, BatchApplier)
    seed(app, parts)
    with app.uow() as uow:
        before = catalogue(uow)
    made = batches(document)
    expected = by_records(app, applier, made)
    assert by_batches(app, applier, made) == expected
    with app.uow() as uow:
        assert catalogue(uow) == before  # neither path commits


def test_known_parts_are_renamed_only_to_valid_names_on_both_paths(app: FoursApp) -> None:
    seed(app, {"A-1": ("Filter", 100, 50)})
    rows = [
        {"part_number": "A-1", "name": "Bell\x07name", "retail_fen": 200},
        {"part_number": "A-1", "name": "Filter", "retail_fen": 200},
        {"part_number": "A-1", "name": "Filter", "retail_fen": 200},
        {"part_number": "B-2", "name": "Pad", "retail_fen": 300, "part_class": "body"},
        {"part_number": "C-3", "name": "Pad", "retail_fen": 300, "dealer_fen": 1},
    ]
    made = batches([[{"brand": None, "dealer_fen": None, "part_class": None, **r} for r in rows]])
    applier = PartPriceApplier(BindingContext("csv"))
    (outcome,), parts = by_batches(app, applier, made)
    assert by_records(app, applier, made) == ([outcome], parts)
    created, updated, unchanged, rejections = outcome
    assert (created, updated, unchanged) == (1, 1, 1)
    assert [(r.location.line, r.location.field, r.key, r.raw) for r in rejections] == [
        (2, "name", "A-1", "batch 0 row 0"),
        (5, "dealer_price", "B-2", "batch 0 row 3"),
    ]
    assert rejections[0].reason == "part name 'Bell\\x07name' contains control characters"
    assert rejections[1].reason == "new part B-2 needs dealer_price"
    assert [(p[1], p[2], p[3], str(p[4].amount)) for p in parts] == [
        ("A-1", "Filter", "BODY", "2.00"),
        ("C-3", "Pad", "UNCLASSIFIED", "3.00"),
    ]


def test_a_first_load_copies_new_parts_straight_in_and_falls_back_on_a_repeat(
    app: FoursApp,
) -> None:
    """Into an empty catalogue clean batches are copied straight in (PostgreSQL); a batch
    repeating an earlier batch's number conflicts, rolls back to its savepoint and merges."""
    seed(app, {})
    clean = {"brand": "AUDI", "part_class": None, "retail_fen": 100, "dealer_fen": 60}
    document = [
        [
            {**clean, "part_number": "A-1", "name": "Filter"},
            {**clean, "part_number": "B-2", "name": "Pad"},
        ],
        [{**clean, "part_number": "C-3", "name": "Belt"}],
        [
            {**clean, "part_number": "A-1", "name": "Filter II"},
            {**clean, "part_number": "D-4", "name": "Hose"},
        ],
        [
            {**clean, "part_number": "E-5", "name": "Plug"},
            {**clean, "part_number": "B-2", "name": "Pad"},
        ],
    ]
    made = batches(document)
    applier = PartPriceApplier(BindingContext("csv"))
    outcomes, parts = by_batches(app, applier, made)
    assert (outcomes, parts) == by_records(app, applier, made)
    assert [o[:3] for o in outcomes] == [(2, 0, 0), (1, 0, 0), (1, 1, 0), (1, 0, 1)]
    assert [(p[1], p[2]) for p in parts] == [
        ("A-1", "Filter II"),
        ("B-2", "Pad"),
        ("C-3", "Belt"),
        ("D-4", "Hose"),
        ("E-5", "Plug"),
    ]
