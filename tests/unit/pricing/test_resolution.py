"""Resolution of price schemes: deterministic, explained, time-zone correct."""

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fours_domain.pricing.model import (
    Outcome,
    PriceKind,
    PriceScheme,
    PriceScope,
    SchemeId,
    StorePlace,
    ValidityWindow,
    find_tie,
    parse_local,
    resolve,
    ties,
)
from fours_domain.shared.catalogue import SpecPattern, VehicleSpec
from fours_domain.shared.errors import InvariantViolation
from fours_domain.shared.ids import RegionId, StoreId
from fours_domain.shared.money import cny
from fours_domain.shared.time import StoreTimeZone
from fours_domain.testing import strategies as fs
from fours_domain.testing import strategies_pricing as ps

SH = StorePlace(StoreId("S1"), RegionId("EAST"), StoreTimeZone("Asia/Shanghai"))
CAR = VehicleSpec("AUDI", "A6L", trim="45", colour="WHITE", interior="BEIGE")
NOW = pendulum.datetime(2026, 12, 1, 4, 0, tz="UTC")


def scheme(ident: str, price: str, **kw: object) -> PriceScheme:
    fields: dict[str, object] = {
        "id": SchemeId(ident),
        "name": ident,
        "kind": PriceKind.FLOOR,
        "scope": PriceScope.group(),
        "target": SpecPattern("AUDI", "A6L"),
        "price": cny(price),
    }
    fields.update(kw)
    return PriceScheme(**fields)  # type: ignore[arg-type]


@given(
    ps.scheme_lists(PriceKind.FLOOR),
    ps.vehicle_specs(),
    ps.store_places(),
    ps.instants_near_base(),
    st.randoms(use_true_random=False),
)
def test_resolution_is_independent_of_order(schemes, spec, place, at, rnd) -> None:  # type: ignore[no-untyped-def]
    shuffled = list(schemes)
    rnd.shuffle(shuffled)
    assert resolve(schemes, PriceKind.FLOOR, spec, place, at) == resolve(
        shuffled, PriceKind.FLOOR, spec, place, at
    )


@given(
    ps.scheme_lists(PriceKind.FLOOR), ps.vehicle_specs(), ps.store_places(), ps.instants_near_base()
)
def test_every_candidate_is_explained_and_the_winner_outranks_all(schemes, spec, place, at) -> None:  # type: ignore[no-untyped-def]
    result = resolve(schemes, PriceKind.FLOOR, spec, place, at)
    assert sorted(c.scheme.id for c in result.candidates) == sorted(s.id for s in schemes)
    eligible = [
        s
        for s in schemes
        if s.scope.covers(place)
        and s.target.matches(spec)
        and s.window.contains(at, place.time_zone)
    ]
    assert (result.winner is None) == (not eligible)
    if result.winner is None:
        return
    assert result.candidates[0].outcome is Outcome.WON
    winner = result.winner
    for other in eligible:
        # A more specific scheme always beats a less specific one of the same kind.
        assert other.target.specificity <= winner.target.specificity
        if other.target.specificity == winner.target.specificity and other.target == winner.target:
            assert other.scope.level.rank <= winner.scope.level.rank
    for candidate in result.candidates[1:]:
        assert candidate.outcome is not Outcome.WON and candidate.reason


@given(
    ps.price_schemes(PriceKind.FLOOR),
    ps.price_schemes(PriceKind.FLOOR, ident="ZZ"),
    ps.store_places(),
    ps.instants_near_base(),
)
def test_more_specific_scheme_beats_less_specific(a, b, place, at) -> None:  # type: ignore[no-untyped-def]
    spec = VehicleSpec("AUDI", "A6L", trim="45", colour="WHITE", interior="BEIGE")
    a = PriceScheme(
        a.id,
        a.name,
        a.kind,
        PriceScope.group(),
        SpecPattern("AUDI", "A6L", "45"),
        a.price,
        priority=a.priority,
        window=ValidityWindow(),
    )
    b = PriceScheme(
        b.id,
        b.name,
        b.kind,
        b.scope,
        SpecPattern("AUDI", "A6L"),
        b.price,
        priority=b.priority,
        window=ValidityWindow(),
    )
    place = StorePlace(
        StoreId(b.scope.code if b.scope.level.value == "store" else "S1"),
        RegionId(b.scope.code if b.scope.level.value == "region" else "EAST"),
        place.time_zone,
    )
    result = resolve([b, a], PriceKind.FLOOR, spec, place, at)
    assert result.winner == a  # even from a wider scope and any priority
    assert result.candidates[1].outcome is Outcome.LESS_SPECIFIC_TARGET


def test_explanation_names_every_reason() -> None:
    schemes = [
        scheme("G", "300000"),
        scheme("R", "305000", scope=PriceScope.region("EAST")),
        scheme("ST", "310000", scope=PriceScope.store("S1")),
        scheme("ST2", "311000", scope=PriceScope.store("S1"), priority=5),
        scheme("OTHER", "1", scope=PriceScope.store("S2")),
        scheme("Q5", "1", target=SpecPattern("AUDI", "Q5L")),
        scheme(
            "OLD",
            "1",
            window=ValidityWindow(None, parse_local("2026-11-01")),
            target=SpecPattern("AUDI", "A6L", "45"),
        ),
        scheme(
            "NEXT",
            "1",
            window=ValidityWindow(parse_local("2027-01-01"), None),
            target=SpecPattern("AUDI", "A6L", "45"),
        ),
        scheme("OTHERKIND", "1", kind=PriceKind.MSRP),
    ]
    result = resolve(schemes, PriceKind.FLOOR, CAR, SH, NOW)
    assert result.winner is not None and result.winner.id == "ST2"
    outcomes = {c.scheme.id: c.outcome for c in result.candidates}
    assert outcomes == {
        "ST2": Outcome.WON,
        "ST": Outcome.LOWER_PRIORITY,
        "R": Outcome.WIDER_SCOPE,
        "G": Outcome.WIDER_SCOPE,
        "OTHER": Outcome.OTHER_SCOPE,
        "Q5": Outcome.OTHER_VEHICLE,
        "OLD": Outcome.EXPIRED,
        "NEXT": Outcome.NOT_YET_VALID,
    }
    text = result.explain()
    assert "310000" not in text.splitlines()[0] and "311000" in text.splitlines()[0]
    assert "priority 0, lower than 5 of ST2" in text


def test_trim_makes_a_pattern_more_specific_than_colour() -> None:
    by_trim = scheme("T", "1", target=SpecPattern("AUDI", "A6L", trim="45"))
    by_colour = scheme("C", "2", target=SpecPattern("AUDI", "A6L", colour="WHITE"))
    assert resolve([by_colour, by_trim], PriceKind.FLOOR, CAR, SH, NOW).winner == by_trim


@pytest.mark.parametrize(
    ("zone", "inside"), [("Asia/Shanghai", True), ("Asia/Urumqi", False), ("UTC", False)]
)
def test_window_is_store_local_around_midnight(zone: str, inside: bool) -> None:
    window = ValidityWindow(parse_local("2026-12-01"), parse_local("2026-12-02"))
    # 16:30 UTC on Nov 30 is 00:30 Dec 1 in Shanghai, 22:30 Nov 30 in Urumqi (UTC+6).
    at = pendulum.datetime(2026, 11, 30, 16, 30, tz="UTC")
    assert window.contains(at, StoreTimeZone(zone)) is inside


@given(fs.time_zones(), st.integers(-3, 3))
def test_window_starts_exactly_at_local_midnight(zone: StoreTimeZone, days: int) -> None:
    day = pendulum.date(2026, 12, 1).add(days=days)
    window = ValidityWindow(parse_local(day.isoformat()), None)
    midnight = zone.start_of(day)
    assert window.contains(midnight, zone)
    assert not window.contains(midnight.subtract(microseconds=1), zone)
    ending = ValidityWindow(None, parse_local(day.isoformat()))
    assert not ending.contains(midnight, zone)
    assert ending.contains(midnight.subtract(microseconds=1), zone)


def test_ties_need_same_kind_scope_target_priority_and_overlap() -> None:
    a = scheme(
        "A", "1", window=ValidityWindow(parse_local("2026-12-01"), parse_local("2026-12-10"))
    )
    b = scheme("B", "2", window=ValidityWindow(parse_local("2026-12-09"), None))
    c = scheme("C", "2", window=ValidityWindow(parse_local("2026-12-10"), None))
    d = scheme("D", "2", priority=1)
    assert ties(a, b) and not ties(a, c) and not ties(a, d)
    assert find_tie(a, [d, c, b]) == b


@given(ps.validity_windows(), ps.validity_windows(), ps.instants_near_base(), fs.time_zones())
def test_overlap_agrees_with_containment(a, b, at, zone) -> None:  # type: ignore[no-untyped-def]
    if a.contains(at, zone) and b.contains(at, zone):
        assert a.overlaps(b) and b.overlaps(a)


def test_invalid_inputs_are_refused() -> None:
    with pytest.raises(InvariantViolation):
        ValidityWindow(parse_local("2026-12-02"), parse_local("2026-12-01"))
    with pytest.raises(InvariantViolation):
        ValidityWindow(pendulum.datetime(2026, 12, 1, tz="UTC"), None)
    with pytest.raises(InvariantViolation):
        parse_local("yesterday")
    with pytest.raises(InvariantViolation):
        PriceScope.parse("store")
    with pytest.raises(InvariantViolation):
        scheme("X", "0")
    assert str(PriceScope.parse("Region:east")) == "region:EAST"
