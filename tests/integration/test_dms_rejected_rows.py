"""A full parts inventory with rejected rows (ADR 0076): a rejected row never changes the
stock it was about — its part's positions are neither dropped nor counted by the
stocktake; a rejected row that names no part means no position is dropped at all (with a
warning saying so). On SQLite and PostgreSQL, through the real applier."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fours_adapters.bootstrap import FoursApp
from fours_adapters.dms.binding import StockAdjustmentOptions
from fours_adapters.dms.testing import CollectedRejects
from fours_domain.dms.positions import PositionsReport
from fours_domain.dms.services import ImportSummary
from fours_domain.shared.ids import StoreId
from tests.integration.test_dms_positions import group, positions, run

__all__ = ["group"]

BASE = "P-1,,,4,,A-01,,,D-1,\nP-2,,,3,,A-02,,,D-1,\nP-3,,,2,,A-03,,,D-1,\n"


def imported(app: FoursApp, rows: str, **options: object) -> tuple[ImportSummary, CollectedRejects]:
    rejects = CollectedRejects()
    summary = run(app, rows, rejects, **options)  # type: ignore[arg-type]
    assert isinstance(summary, ImportSummary), summary
    return summary, rejects


def test_a_row_the_feed_rejects_keeps_its_part_positions(group: FoursApp) -> None:
    imported(group, BASE)
    summary, rejects = imported(group, "P-1,,,5,,A-01,,,D-1,\nP-2,,,-1,,A-02,,,D-1,\n")
    assert [r.key for r in rejects.rejections] == ["P-2"]
    # P-2's row was rejected: its position stays; P-3 is no longer listed: dropped.
    assert positions(group) == [("P-1", "A-01", 5), ("P-2", "A-02", 3)]
    assert isinstance(summary.report, PositionsReport) and summary.report.dropped == 1
    [warning] = rejects.warnings
    assert "rows of 1 part(s) were rejected (P-2)" in warning.message
    assert summary.warnings == 1


def test_a_row_the_applier_rejects_keeps_its_part_positions(group: FoursApp) -> None:
    imported(group, BASE)
    _, rejects = imported(
        group, "P-1,,,5,,A-01,,,D-1,\nP-2,,,1.5,,A-02,,,D-1,\nP-3,,,2,,A-03,,,D-9,\n"
    )
    assert [r.location.field for r in rejects.rejections] == ["on_hand", "dealer_code"]
    assert positions(group) == [("P-1", "A-01", 5), ("P-2", "A-02", 3), ("P-3", "A-03", 2)]


def test_a_rejected_row_naming_no_part_drops_nothing_and_says_so(group: FoursApp) -> None:
    imported(group, BASE)
    summary, rejects = imported(group, "P-1,,,5,,A-01,,,D-1,\n,,,7,,A-09,,,D-1,\n")
    [rejection] = rejects.rejections
    assert rejection.key is None and rejection.location.line == 3
    assert positions(group) == [("P-1", "A-01", 5), ("P-2", "A-02", 3), ("P-3", "A-03", 2)]
    assert isinstance(summary.report, PositionsReport) and summary.report.dropped == 0
    [warning] = rejects.warnings
    assert "1 rejected row(s) name no part" in warning.message
    assert "no position was dropped" in warning.message and warning.location.line == 3


def test_the_stocktake_leaves_a_rejected_part_alone(group: FoursApp) -> None:
    # Our ledger holds 5 of P-1 (the group fixture); the DMS said 3, then a bad row.
    imported(group, "P-1,,,3,,A-01,,,D-1,\n")
    summary, _ = imported(
        group, "P-1,,,-5,,A-01,,,D-1,\nP-2,,,1,,A-01,,,D-1,\n", adjust=StockAdjustmentOptions()
    )
    assert isinstance(summary.report, PositionsReport)
    [adjustment] = summary.report.adjustments or ()
    [left] = [n for n in adjustment.not_adjusted if n.part_number == "P-1"]
    assert (left.theirs, left.ours) == (3, 5)
    assert left.reason == (
        "the row of part P-1 was rejected in this document: its stock is left as it is"
    )
    with group.uow() as uow:
        held = {str(item.part_number): item.on_hand for item in uow.stock.items(StoreId("S1"))}
    assert held["P-1"] == 5


def test_with_a_row_naming_no_part_the_stocktake_counts_only_listed_parts(
    group: FoursApp,
) -> None:
    summary, _ = imported(
        group, "P-2,,,1,,A-01,,,D-1,\n,,,7,,A-09,,,D-1,\n", adjust=StockAdjustmentOptions()
    )
    assert isinstance(summary.report, PositionsReport)
    [adjustment] = summary.report.adjustments or ()
    [left] = [n for n in adjustment.not_adjusted if n.part_number == "P-1"]
    assert "not listed validly in this document" in left.reason
    with group.uow() as uow:
        held = {str(item.part_number): item.on_hand for item in uow.stock.items(StoreId("S1"))}
    assert held["P-1"] == 5


_SERIAL = itertools.count()
BAD_CELLS = ["-1", "1.5", "abc"]


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    before=st.dictionaries(st.sampled_from("ABCDEFGH"), st.integers(0, 9), max_size=8),
    after=st.dictionaries(
        st.sampled_from("ABCDEFGH"), st.integers(0, 9) | st.sampled_from(BAD_CELLS), max_size=8
    ),
)
def test_rejected_rows_never_change_their_part_positions(
    group: FoursApp, before: dict[str, int], after: dict[str, int | str]
) -> None:
    serial = next(_SERIAL)  # a new document each time (the journal knows the others)
    nonce = f"Z-{serial},,,1,,Z,,,D-1,\n"
    imported(group, nonce + "".join(f"{p},,,{q},,L,,,D-1,\n" for p, q in before.items()))
    imported(group, nonce + "".join(f"{p},,,{q},,L,,,D-1,\n" for p, q in after.items()))
    rejected = {p for p, q in after.items() if isinstance(q, str)}
    expected = {p: q for p, q in after.items() if isinstance(q, int)} | {
        p: q for p, q in before.items() if p in rejected
    }
    found = {part: on_hand for part, _, on_hand in positions(group) if not part.startswith("Z-")}
    assert found == expected
