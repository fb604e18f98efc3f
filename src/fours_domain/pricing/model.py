"""Price schemes (价格方案) and their deterministic resolution.

A :class:`PriceScheme` says: "for cars matching ``target``, sold by stores in
``scope``, during ``window`` (store-local wall-clock time), the ``kind`` price
is ``price``". Several schemes usually apply to one car; :func:`resolve` picks
exactly one per kind and explains why every other candidate lost.

Resolution order (docs/pricing.md, ADR 0030) — for one kind, one vehicle spec,
one store and one instant:

1. **Eligibility** — a scheme is a candidate only if its scope covers the store
   (``other_scope``), its target matches the spec (``other_vehicle``) and the
   instant, read as wall-clock time in the *store's* time zone, lies in its
   half-open window ``[starts, ends)`` (``not_yet_valid`` / ``expired``).
2. **Ranking** of the eligible schemes, first difference decides:
   a. more specific target (:attr:`SpecPattern.specificity`, then trim >
      colour > interior as the field that makes it specific),
   b. narrower scope (store > region > group),
   c. higher explicit ``priority``,
   d. the scheme id (never reached when the tie rule of :func:`find_tie` held
      at creation; it keeps resolution total and deterministic for imported data).

The order schemes were created or listed in plays no part: ranking is a sort
on a total key.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from typing import NewType

import attrs
import pendulum
from returns.result import Failure, Result, Success

from fours_domain.shared.catalogue import SpecPattern, VehicleSpec
from fours_domain.shared.errors import DomainError, InvariantViolation
from fours_domain.shared.ids import RegionId, StoreId
from fours_domain.shared.money import CNY, Money, check_amount, is_fen_exact, round_fen
from fours_domain.shared.time import DateTime, StoreTimeZone, ensure_aware

SchemeId = NewType("SchemeId", str)


class PriceKind(enum.Enum):
    """The kinds of vehicle price a scheme can set."""

    MSRP = "msrp"
    """Manufacturer's suggested retail price (厂家指导价)."""
    INTERNAL_GUIDE = "internal_guide"
    """The group's internal guide price (内部指导价)."""
    FLOOR = "floor"
    """Floor price (最低限价): nothing sells below it without an approval."""
    PROMOTION = "promotion"
    """Promotional price (整车优惠价) offered to customers."""
    SPECIAL = "special"
    """Special-approval price (特批价): the lowest a general manager may approve."""

    @property
    def label(self) -> str:
        return _KIND_LABELS[self]


_KIND_LABELS = {
    PriceKind.MSRP: "MSRP (厂家指导价)",
    PriceKind.INTERNAL_GUIDE: "internal guide price (内部指导价)",
    PriceKind.FLOOR: "floor price (最低限价)",
    PriceKind.PROMOTION: "promotional price (整车优惠价)",
    PriceKind.SPECIAL: "special-approval price (特批价)",
}


class ScopeLevel(enum.Enum):
    """Who a scheme applies to: the whole group, a region, or one store."""

    GROUP = "group"
    REGION = "region"
    STORE = "store"

    @property
    def rank(self) -> int:
        """Narrowness: store (2) > region (1) > group (0)."""
        return {ScopeLevel.GROUP: 0, ScopeLevel.REGION: 1, ScopeLevel.STORE: 2}[self]


GROUP_SCOPE_CODE = "*"


@attrs.frozen
class StorePlace:
    """What resolution needs to know about a store: its id, region and time zone."""

    store_id: StoreId
    region_id: RegionId
    time_zone: StoreTimeZone


@attrs.frozen
class PriceScope:
    """Group-wide, one region, or one store.

    >>> PriceScope.store("SH01").covers(
    ...     StorePlace(StoreId("SH01"), RegionId("EAST"), StoreTimeZone("Asia/Shanghai")))
    True
    """

    level: ScopeLevel
    code: str = GROUP_SCOPE_CODE

    def __attrs_post_init__(self) -> None:
        if (self.level is ScopeLevel.GROUP) != (self.code == GROUP_SCOPE_CODE):
            raise InvariantViolation(f"scope {self.level.value} cannot have code {self.code!r}")
        if not self.code.strip() or self.code != self.code.strip().upper():
            raise InvariantViolation(f"scope code {self.code!r} must be a normalised code")

    @classmethod
    def group(cls) -> PriceScope:
        return cls(ScopeLevel.GROUP)

    @classmethod
    def region(cls, region_id: str) -> PriceScope:
        return cls(ScopeLevel.REGION, region_id.strip().upper())

    @classmethod
    def store(cls, store_id: str) -> PriceScope:
        return cls(ScopeLevel.STORE, store_id.strip().upper())

    @classmethod
    def parse(cls, text: str) -> PriceScope:
        """``group``, ``region:EAST`` or ``store:SH01``."""
        level, _, code = text.strip().partition(":")
        try:
            parsed = ScopeLevel(level.lower())
        except ValueError:
            raise InvariantViolation(
                f"scope {text!r} must be 'group', 'region:CODE' or 'store:CODE'"
            ) from None
        if parsed is ScopeLevel.GROUP:
            if code:
                raise InvariantViolation(f"scope {text!r}: the group scope takes no code")
            return cls.group()
        if not code:
            raise InvariantViolation(f"scope {text!r} needs a code, e.g. {level}:CODE")
        return cls(parsed, code.strip().upper())

    def covers(self, place: StorePlace) -> bool:
        if self.level is ScopeLevel.GROUP:
            return True
        if self.level is ScopeLevel.REGION:
            return self.code == place.region_id
        return self.code == place.store_id

    def __str__(self) -> str:
        return "group" if self.level is ScopeLevel.GROUP else f"{self.level.value}:{self.code}"


def _naive(value: DateTime | None) -> DateTime | None:
    if value is None:
        return None
    if value.tzinfo is not None:
        raise InvariantViolation(
            f"window bound {value.isoformat()} must be store-local wall-clock time (no zone)"
        )
    return value


def parse_local(text: str) -> DateTime:
    """A store-local wall-clock time from ``2026-12-01`` or ``2026-12-01T08:00``.

    >>> parse_local("2026-12-01")
    DateTime(2026, 12, 1, 0, 0, 0)
    """
    try:
        parsed = pendulum.parse(text.strip(), tz=None)
    except (ValueError, pendulum.parsing.exceptions.ParserError):
        raise InvariantViolation(f"{text!r} is not a local date or date-time") from None
    if not isinstance(parsed, DateTime):
        if isinstance(parsed, pendulum.Date):
            return pendulum.naive(parsed.year, parsed.month, parsed.day)
        raise InvariantViolation(f"{text!r} is not a local date or date-time")
    if parsed.tzinfo is not None:
        raise InvariantViolation(f"{text!r}: give store-local time without a zone")
    return parsed


@attrs.frozen
class ValidityWindow:
    """A half-open window ``[starts, ends)`` of **store-local** wall-clock time.

    One window means the same local hours in every store: a group promotion
    "until 2026-12-01" ends at local midnight in Shanghai and in Urumqi alike.
    ``None`` bounds are open.

    >>> w = ValidityWindow(parse_local("2026-12-01"), parse_local("2026-12-02"))
    >>> sh, urumqi = StoreTimeZone("Asia/Shanghai"), StoreTimeZone("Asia/Urumqi")
    >>> at = pendulum.datetime(2026, 11, 30, 17, 0, tz="UTC")   # 01:00 Dec 1 in Shanghai
    >>> w.contains(at, sh), w.contains(at, urumqi)             # 23:00 Nov 30 in Urumqi
    (True, False)
    """

    starts: DateTime | None = attrs.field(default=None, converter=_naive)
    ends: DateTime | None = attrs.field(default=None, converter=_naive)

    def __attrs_post_init__(self) -> None:
        if self.starts is not None and self.ends is not None and self.ends <= self.starts:
            raise InvariantViolation(f"window {self} ends before it starts")

    def position(self, instant: DateTime, zone: StoreTimeZone) -> int:
        """-1 before the window, 0 inside, 1 after — at the store's wall-clock time."""
        local = zone.local(instant).naive()
        if self.starts is not None and local < self.starts:
            return -1
        if self.ends is not None and local >= self.ends:
            return 1
        return 0

    def contains(self, instant: DateTime, zone: StoreTimeZone) -> bool:
        return self.position(instant, zone) == 0

    def overlaps(self, other: ValidityWindow) -> bool:
        """True when some wall-clock time lies in both windows."""
        starts_before_other_ends = (
            self.starts is None or other.ends is None or self.starts < other.ends
        )
        other_starts_before_self_ends = (
            other.starts is None or self.ends is None or other.starts < self.ends
        )
        return starts_before_other_ends and other_starts_before_self_ends

    def __str__(self) -> str:
        start = self.starts.isoformat() if self.starts else "-∞"
        end = self.ends.isoformat() if self.ends else "+∞"
        return f"[{start}, {end})"


def _price(value: Money) -> Money:
    if value.currency != CNY or not is_fen_exact(value) or value.amount <= 0:
        raise InvariantViolation(f"a scheme price must be a positive CNY amount in fen: {value}")
    return round_fen(check_amount(value, "price"))


class SchemeEndRefused(DomainError):
    """A scheme cannot be given that end (it has one, or it would rewrite the past)."""

    code = "scheme_end_refused"


@attrs.frozen
class PriceScheme:
    """One price statement (价格方案). Immutable: a change is a new scheme — with one
    exception, recorded: an open-ended scheme may be given an end that is still in the
    future (:meth:`end`, ADR 0039).

    Immutability keeps every explanation and every frozen quote auditable:
    the scheme a quote cites never changes under it.
    """

    id: SchemeId
    name: str
    kind: PriceKind
    scope: PriceScope
    target: SpecPattern
    price: Money = attrs.field(converter=_price)
    priority: int = 0
    window: ValidityWindow = attrs.field(factory=ValidityWindow)
    created_at: DateTime | None = None
    ended_at: DateTime | None = None
    """When an end was set on this (until then open-ended) scheme."""
    end_reason: str | None = None

    def __attrs_post_init__(self) -> None:
        if not self.id.strip():
            raise InvariantViolation("a price scheme needs an id")
        if not -1000 <= self.priority <= 1000:
            raise InvariantViolation(f"priority {self.priority} must be in [-1000, 1000]")
        if self.ended_at is not None and self.window.ends is None:
            raise InvariantViolation(f"scheme {self.id}: an end was recorded but it has none")

    def describe(self) -> str:
        return f"{self.id} ({self.name})"

    def end(
        self,
        ends: DateTime,
        *,
        at: DateTime,
        places: Iterable[StorePlace],
        reason: str | None = None,
    ) -> Result[PriceScheme, DomainError]:
        """This scheme ending at ``ends`` (store-local wall-clock time, exclusive), recorded
        at instant ``at`` — only for an open-ended scheme, and only when ``ends`` is still
        ahead at every store it covers (``places``): a retroactive end would change
        resolutions that were already made, explained and quoted."""
        if self.window.ends is not None:
            return Failure(
                SchemeEndRefused(
                    f"price scheme {self.describe()} already ends at "
                    f"{self.window.ends.isoformat()}: a scheme's end is set once; "
                    f"add a new scheme instead",
                    scheme=self.id,
                )
            )
        if self.window.starts is not None and ends <= self.window.starts:
            return Failure(
                SchemeEndRefused(
                    f"price scheme {self.describe()} starts at {self.window.starts.isoformat()}: "
                    f"it cannot end at {ends.isoformat()}",
                    scheme=self.id,
                )
            )
        instant = ensure_aware(at)
        for place in sorted(places, key=lambda p: p.store_id):
            local = place.time_zone.local(instant).naive()
            if ends <= local:
                return Failure(
                    SchemeEndRefused(
                        f"price scheme {self.describe()}: {ends.isoformat()} has passed at store "
                        f"{place.store_id} (it is {local.isoformat()} in {place.time_zone}); an "
                        f"end may not rewrite past resolutions — end it from now on",
                        scheme=self.id,
                        store=place.store_id,
                    )
                )
        note = None if reason is None or not reason.strip() else reason.strip()
        window = ValidityWindow(self.window.starts, ends)
        return Success(attrs.evolve(self, window=window, ended_at=instant, end_reason=note))


def _field_precedence(pattern: SpecPattern) -> int:
    """Which fields make a pattern specific: model 8, trim 4, colour 2, interior 1."""
    return (
        8 * (pattern.model is not None)
        + 4 * (pattern.trim is not None)
        + 2 * (pattern.colour is not None)
        + (pattern.interior is not None)
    )


def ranking_key(scheme: PriceScheme) -> tuple[int, int, int, int, str]:
    """Ascending sort key that puts the winner first (total on distinct ids):
    specificity, field precedence, scope narrowness and priority, all descending, then id."""
    return (
        -scheme.target.specificity,
        -_field_precedence(scheme.target),
        -scheme.scope.level.rank,
        -scheme.priority,
        scheme.id,
    )


class Outcome(enum.Enum):
    """Why a candidate won or lost."""

    WON = "won"
    OTHER_SCOPE = "other_scope"
    OTHER_VEHICLE = "other_vehicle"
    NOT_YET_VALID = "not_yet_valid"
    EXPIRED = "expired"
    LESS_SPECIFIC_TARGET = "less_specific_target"
    WEAKER_TARGET_FIELD = "weaker_target_field"
    WIDER_SCOPE = "wider_scope"
    LOWER_PRIORITY = "lower_priority"
    TIE_BROKEN_BY_ID = "tie_broken_by_id"


@attrs.frozen
class Candidate:
    """One scheme considered in a resolution and what became of it."""

    scheme: PriceScheme
    outcome: Outcome
    reason: str


@attrs.frozen
class Resolution:
    """The answer to "which ``kind`` price applies?", with the whole reasoning."""

    kind: PriceKind
    spec: VehicleSpec
    place: StorePlace
    at: DateTime
    local_time: DateTime
    winner: PriceScheme | None
    candidates: tuple[Candidate, ...]

    @property
    def price(self) -> Money | None:
        return None if self.winner is None else self.winner.price

    def explain(self) -> str:
        """A human explanation, one line per candidate, winner first."""
        head = (
            f"{self.kind.label} for {self.spec} at store {self.place.store_id} "
            f"({self.local_time.isoformat()} {self.place.time_zone}): "
        )
        if self.winner is None:
            head += "no scheme applies"
        else:
            head += f"{self.winner.price.amount} by {self.winner.describe()}"
        return "\n".join([head, *(f"  - {c.outcome.value}: {c.reason}" for c in self.candidates)])


def _eligibility(
    scheme: PriceScheme, spec: VehicleSpec, place: StorePlace, at: DateTime
) -> Candidate | None:
    if not scheme.scope.covers(place):
        return Candidate(
            scheme,
            Outcome.OTHER_SCOPE,
            f"{scheme.describe()} applies to {scheme.scope}, not to store {place.store_id} "
            f"(region {place.region_id})",
        )
    if not scheme.target.matches(spec):
        return Candidate(
            scheme,
            Outcome.OTHER_VEHICLE,
            f"{scheme.describe()} targets {scheme.target}, not {spec}",
        )
    position = scheme.window.position(at, place.time_zone)
    if position != 0:
        local = place.time_zone.local(at).naive().isoformat()
        outcome = Outcome.NOT_YET_VALID if position < 0 else Outcome.EXPIRED
        return Candidate(
            scheme,
            outcome,
            f"{scheme.describe()} is valid {scheme.window} store-local time; "
            f"it is {local} in {place.time_zone}",
        )
    return None


_FIELDS = ("model", "trim", "colour", "interior")


def _set_fields(pattern: SpecPattern) -> list[str]:
    return [name for name in _FIELDS if getattr(pattern, name) is not None]


def _lost_to(loser: PriceScheme, winner: PriceScheme) -> Candidate:
    w, s = winner, loser
    if s.target.specificity != w.target.specificity:
        return Candidate(
            s,
            Outcome.LESS_SPECIFIC_TARGET,
            f"{s.describe()} targets {s.target} ({s.target.specificity} fields set), less "
            f"specific than {w.target} of {w.id} ({w.target.specificity})",
        )
    if _field_precedence(s.target) != _field_precedence(w.target):
        mine, theirs = _set_fields(s.target), _set_fields(w.target)
        decisive = next(name for name in _FIELDS if (name in mine) != (name in theirs))
        return Candidate(
            s,
            Outcome.WEAKER_TARGET_FIELD,
            f"{s.describe()} targets {s.target}, as many fields as {w.target} of {w.id}, but "
            f"{w.id} sets the {decisive}, which outranks "
            f"{' and '.join(f for f in mine if f not in theirs)} (model > trim > colour > "
            f"interior)",
        )
    if s.scope.level != w.scope.level:
        return Candidate(
            s,
            Outcome.WIDER_SCOPE,
            f"{s.describe()} applies to {s.scope}, wider than {w.scope} of {w.id}",
        )
    if s.priority != w.priority:
        return Candidate(
            s,
            Outcome.LOWER_PRIORITY,
            f"{s.describe()} has priority {s.priority}, lower than {w.priority} of {w.id}",
        )
    return Candidate(
        s,
        Outcome.TIE_BROKEN_BY_ID,
        f"{s.describe()} ties with {w.id} on target, scope and priority; "
        f"the smaller id wins (such ties are refused at creation)",
    )


def resolve(
    schemes: Iterable[PriceScheme],
    kind: PriceKind,
    spec: VehicleSpec,
    place: StorePlace,
    at: DateTime,
) -> Resolution:
    """Pick the ``kind`` price for ``spec`` at ``place`` at instant ``at``, with reasons.

    Schemes of other kinds are ignored (not listed). The result does not depend
    on the order of ``schemes``.
    """
    instant = ensure_aware(at)
    eligible: list[PriceScheme] = []
    excluded: list[Candidate] = []
    for scheme in schemes:
        if scheme.kind is not kind:
            continue
        refusal = _eligibility(scheme, spec, place, instant)
        if refusal is None:
            eligible.append(scheme)
        else:
            excluded.append(refusal)
    eligible.sort(key=ranking_key)
    winner = eligible[0] if eligible else None
    ranked: list[Candidate] = []
    if winner is not None:
        ranked.append(
            Candidate(
                winner,
                Outcome.WON,
                f"{winner.describe()}: {winner.target} at {winner.scope}, "
                f"priority {winner.priority}, valid {winner.window}",
            )
        )
        ranked.extend(_lost_to(s, winner) for s in eligible[1:])
    excluded.sort(key=lambda c: ranking_key(c.scheme))
    return Resolution(
        kind=kind,
        spec=spec,
        place=place,
        at=instant,
        local_time=place.time_zone.local(instant).naive(),
        winner=winner,
        candidates=(*ranked, *excluded),
    )


@attrs.frozen
class PriceSheet:
    """Every kind resolved for one car at one store and instant."""

    resolutions: tuple[Resolution, ...]

    def price(self, kind: PriceKind) -> Money | None:
        return self.of(kind).price

    def of(self, kind: PriceKind) -> Resolution:
        return next(r for r in self.resolutions if r.kind is kind)


def resolve_all(
    schemes: Sequence[PriceScheme], spec: VehicleSpec, place: StorePlace, at: DateTime
) -> PriceSheet:
    """:func:`resolve` for every :class:`PriceKind`."""
    return PriceSheet(tuple(resolve(schemes, kind, spec, place, at) for kind in PriceKind))


class ConflictingScheme(DomainError):
    """A new scheme would tie with an existing one: refused, both named."""

    code = "conflicting_scheme"

    def __init__(self, new: PriceScheme, existing: PriceScheme) -> None:
        super().__init__(
            f"price scheme {new.describe()} would tie with {existing.describe()}: same kind "
            f"{new.kind.value}, scope {new.scope}, target {new.target}, priority {new.priority} "
            f"and overlapping windows {new.window} / {existing.window}; give one a different "
            f"priority or a window that does not overlap",
            new=new.id,
            existing=existing.id,
        )


def ties(a: PriceScheme, b: PriceScheme) -> bool:
    """Same kind, scope, target and priority with overlapping windows."""
    return (
        a.kind is b.kind
        and a.scope == b.scope
        and a.target == b.target
        and a.priority == b.priority
        and a.window.overlaps(b.window)
    )


def find_tie(new: PriceScheme, existing: Iterable[PriceScheme]) -> PriceScheme | None:
    """The first existing scheme (by id) that ``new`` would tie with, if any."""
    clashing = sorted((s for s in existing if s.id != new.id and ties(new, s)), key=lambda s: s.id)
    return clashing[0] if clashing else None
