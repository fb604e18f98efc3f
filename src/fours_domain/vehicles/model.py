"""The Vehicle aggregate (one per VIN), its PDI inspections and its history.

Every state change goes through :meth:`Vehicle._apply`, which looks the pair
``(state, action)`` up in :data:`~fours_domain.vehicles.lifecycle.TRANSITIONS`,
appends a :class:`HistoryEntry` (time, actor, reason) and records a
:class:`VehicleStateChanged` event. Expected refusals are returned as
``Failure``; broken invariants are raised.
"""

from __future__ import annotations

import enum
import re

import attrs
from returns.result import Failure, Result, Success

from fours_domain.shared.catalogue import (
    ColourCode,
    InteriorCode,
    ModelCode,
    TrimCode,
    VehicleSpec,
)
from fours_domain.shared.errors import DomainError, IllegalTransition, InvariantViolation
from fours_domain.shared.events import DomainEvent, EventRecorder
from fours_domain.shared.identifiers import Vin
from fours_domain.shared.ids import BrandCode, StoreId
from fours_domain.shared.money import FEN, VAT_13, Money, TaxSplit, VatRate, vat_rate_of
from fours_domain.shared.time import Date, DateTime, StoreTimeZone, ensure_aware
from fours_domain.vehicles.lifecycle import (
    STOCK_STATES,
    TRANSITIONS,
    VehicleAction,
    VehicleState,
)

A = VehicleAction
S = VehicleState

_FREE_TEXT = re.compile(r"^\S(.{0,198}\S)?$", re.DOTALL)


def _text(value: str, what: str) -> str:
    stripped = value.strip()
    if not _FREE_TEXT.match(stripped):
        raise InvariantViolation(f"{what} must be 1–200 characters, not {value!r}")
    return stripped


def _optional_text(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    return _text(value, "text")


class VehicleRefused(DomainError):
    """A vehicle command the rules refuse although the state machine allows the action."""

    code = "vehicle_refused"


class WrongStore(VehicleRefused):
    """The car is not where the command says it is."""

    code = "wrong_store"


class ConcurrentChange(DomainError):
    """Someone else changed the car between our read and our write (lost the race)."""

    code = "concurrent_change"

    def __init__(self, vin: object) -> None:
        super().__init__(
            f"vehicle {vin!s} was changed by someone else at the same moment: try again",
            vin=str(vin),
        )


def _item_name(value: str) -> str:
    return _text(value, "checklist item")


class HolderKind(enum.Enum):
    """Who a car is reserved for (资源分配 / 预留)."""

    CUSTOMER = "customer"
    SALES_ORDER = "sales_order"
    MANUFACTURER = "manufacturer"
    """Pre-sold by the manufacturer's own feed (PRE_SOLD / RESERVED)."""


@attrs.frozen
class Reservation:
    """A car held for one customer or sales order, optionally until ``until``."""

    holder_kind: HolderKind
    holder: str
    reserved_by: str
    reserved_at: DateTime
    until: DateTime | None = None

    def expired(self, at: DateTime) -> bool:
        """True once ``at`` reaches the deadline (a reservation without one never expires)."""
        return self.until is not None and ensure_aware(at) >= self.until

    @property
    def describe(self) -> str:
        until = f" until {self.until.to_iso8601_string()}" if self.until is not None else ""
        return f"{self.holder_kind.value} {self.holder}{until}"


@attrs.frozen
class ChecklistItem:
    """One line of a PDI checklist (检查项): passed or not, with a note.

    >>> ChecklistItem.parse("paint=fail:scratch on left door")
    ChecklistItem(name='paint', ok=False, note='scratch on left door')
    """

    name: str = attrs.field(converter=_item_name)
    ok: bool
    note: str = ""

    @classmethod
    def parse(cls, text: str) -> ChecklistItem:
        """``name=ok``, ``name=fail`` or ``name=fail:note`` (also pass/ng/1/0)."""
        name, sep, rest = text.partition("=")
        if not sep:
            raise InvariantViolation(f"checklist item {text!r}: write name=ok or name=fail:note")
        verdict, _, note = rest.partition(":")
        verdict = verdict.strip().lower()
        if verdict in {"ok", "pass", "passed", "1", "y", "yes"}:
            return cls(name, True, note.strip())
        if verdict in {"fail", "failed", "ng", "0", "n", "no"}:
            return cls(name, False, note.strip())
        raise InvariantViolation(f"checklist item {text!r}: verdict must be ok or fail")


@attrs.define(slots=False, eq=False)
class PdiInspection:
    """A pre-delivery inspection (新车首检 / PDI): checklist, inspector, findings."""

    store_id: StoreId
    vin: Vin
    number: int
    inspected_at: DateTime
    inspector: str
    items: tuple[ChecklistItem, ...]
    findings: str | None
    passed: bool

    @property
    def failed_items(self) -> tuple[ChecklistItem, ...]:
        return tuple(i for i in self.items if not i.ok)


@attrs.define(slots=False, eq=False)
class HistoryEntry:
    """One transition of one car: when, what, who and why (车辆履历)."""

    store_id: StoreId
    vin: Vin
    seq: int
    at: DateTime
    action: VehicleAction
    from_state: VehicleState | None
    to_state: VehicleState
    actor: str
    reason: str | None = None


@attrs.frozen
class VehicleStateChanged(DomainEvent):
    """A car moved in its lifecycle (``from_state`` is None when it was first recorded)."""

    vin: str
    store_id: StoreId
    action: VehicleAction
    from_state: VehicleState | None
    to_state: VehicleState
    actor: str
    reason: str | None = None


def master_data(
    engine_number: str | None, certificate_number: str | None, options: tuple[str, ...]
) -> tuple[str | None, str | None, tuple[str, ...]]:
    """Engine number, certificate number and options as a car stores them: blank
    numbers are None, option codes upper case, sorted, each once.

    >>> master_data(" ", "HG123", ("wa3", "PQD", "WA3"))
    (None, 'HG123', ('PQD', 'WA3'))
    """
    return (
        _optional_text(engine_number),
        _optional_text(certificate_number),
        tuple(sorted({_text(o, "option code").upper() for o in options})),
    )


@attrs.frozen
class ManufacturerData:
    """What the manufacturer tells about a car: order and allocation numbers,
    shipment (date, ETA, carrier), its invoice (number, tax-inclusive price and the
    VAT on it, as invoiced) and its colour's name.

    The invoice tax, when given, must be the VAT of the price at ``vat_rate`` to within
    one fen (docs/adr/0068): a car never carries an invoice whose tax contradicts its
    price. :meth:`from_invoice` derives the rate from what an invoice says.
    """

    order_number: str | None = attrs.field(default=None, converter=_optional_text)
    allocation_number: str | None = attrs.field(default=None, converter=_optional_text)
    shipped_on: Date | None = None
    eta: Date | None = None
    carrier: str | None = attrs.field(default=None, converter=_optional_text)
    invoice_price: Money | None = None
    vat_rate: VatRate = VAT_13
    invoice_number: str | None = attrs.field(default=None, converter=_optional_text)
    invoice_tax: Money | None = None
    colour_name: str | None = attrs.field(default=None, converter=_optional_text)

    def __attrs_post_init__(self) -> None:
        problem = _invoice_problem(self.invoice_price, self.invoice_tax, self.vat_rate)
        if problem is not None:
            raise InvariantViolation(problem, field="invoice_tax")

    @classmethod
    def from_invoice(
        cls,
        *,
        invoice_price: Money | None,
        invoice_tax: Money | None,
        order_number: str | None = None,
        allocation_number: str | None = None,
        shipped_on: Date | None = None,
        eta: Date | None = None,
        carrier: str | None = None,
        invoice_number: str | None = None,
        colour_name: str | None = None,
    ) -> ManufacturerData:
        """Manufacturer data with the VAT rate the invoice implies: the statutory rate
        that explains its tax to the fen (13 % when it states no tax). Raises
        :class:`InvariantViolation` (field ``invoice_tax``) when no rate explains it.

        >>> data = ManufacturerData.from_invoice(
        ...     invoice_price=Money("398000.00", "CNY"), invoice_tax=Money("45787.61", "CNY"))
        >>> str(data.vat_rate)
        '13%'
        """
        rate = VAT_13
        if invoice_price is not None and invoice_tax is not None:
            rate = vat_rate_of(invoice_price, invoice_tax) or VAT_13
        return cls(
            order_number=order_number,
            allocation_number=allocation_number,
            shipped_on=shipped_on,
            eta=eta,
            carrier=carrier,
            invoice_price=invoice_price,
            vat_rate=rate,
            invoice_number=invoice_number,
            invoice_tax=invoice_tax,
            colour_name=colour_name,
        )


def _invoice_problem(price: Money | None, tax: Money | None, rate: VatRate) -> str | None:
    """Why an invoice's price and tax cannot stand together, or None."""
    if price is not None and price.amount < 0:
        return f"invoice price {price.amount} must not be negative"
    if tax is None:
        return None
    if price is None:
        return f"invoice tax {tax.amount} without an invoice price"
    if tax.amount < 0 or tax > price:
        return f"invoice tax {tax.amount} must lie between 0 and the price {price.amount}"
    expected = rate.split_inclusive(price).vat
    if abs(expected.amount - tax.amount) > FEN:
        return (
            f"invoice tax {tax.amount} on a price of {price.amount} matches no VAT rate "
            f"(VAT {rate} would be {expected.amount})"
        )
    return None


@attrs.define(slots=False, eq=False)
class Vehicle(EventRecorder):
    """One car, by VIN (车辆). ``store_id`` is the store whose books hold it.

    The spec is kept as its codes (``brand`` … ``model_year``) and offered as
    :attr:`spec`; reservation, transfer and consignment details live in the
    fields named after them and are meaningful only in the matching state.
    """

    store_id: StoreId
    vin: Vin
    brand: BrandCode
    model: ModelCode
    trim: TrimCode | None
    colour: ColourCode | None
    interior: InteriorCode | None
    model_year: int | None
    state: VehicleState
    engine_number: str | None = None
    certificate_number: str | None = None
    options: tuple[str, ...] = ()
    order_number: str | None = None
    allocation_number: str | None = None
    shipped_on: Date | None = None
    eta: Date | None = None
    carrier: str | None = None
    invoice_price: Money | None = None
    vat_rate: VatRate = VAT_13
    invoice_number: str | None = None
    invoice_tax: Money | None = None
    colour_name: str | None = None
    reserved_for_kind: HolderKind | None = None
    reserved_for: str | None = None
    reserved_by: str | None = None
    reserved_at: DateTime | None = None
    reserved_until: DateTime | None = None
    transfer_from: StoreId | None = None
    transfer_to: StoreId | None = None
    consigned_to: str | None = None
    in_stock_since: DateTime | None = None
    last_seq: int = 0
    history: list[HistoryEntry] = attrs.field(factory=list)
    inspections: list[PdiInspection] = attrs.field(factory=list)

    # ------------------------------------------------------------------ creation

    @classmethod
    def record_new(
        cls,
        *,
        store_id: StoreId,
        vin: Vin,
        spec: VehicleSpec,
        state: VehicleState,
        actor: str,
        at: DateTime,
        engine_number: str | None = None,
        certificate_number: str | None = None,
        options: tuple[str, ...] = (),
        manufacturer: ManufacturerData | None = None,
        reason: str | None = None,
    ) -> Vehicle:
        """A car entering the group's books (from an order, a shipment notice or a feed)."""
        at = ensure_aware(at)
        car = cls(
            store_id=store_id,
            vin=vin,
            brand=spec.brand,
            model=spec.model,
            trim=spec.trim,
            colour=spec.colour,
            interior=spec.interior,
            model_year=spec.model_year,
            state=state,
        )
        car.set_master_data(
            engine_number=engine_number, certificate_number=certificate_number, options=options
        )
        car.set_manufacturer_data(manufacturer or ManufacturerData())
        if state is S.IN_STOCK:
            car.in_stock_since = at
        if state in {S.IN_TRANSFER, S.CONSIGNED, S.RESERVED}:
            raise InvariantViolation(f"vehicle {vin}: cannot be recorded as {state.value}")
        # A VIN accepted leniently says so in the car's first history entry (and event).
        why = "; ".join(t for t in (reason, *vin.warnings) if t and t.strip())
        car._log(A.RECORD, None, state, actor, why or None, at)
        return car

    # ------------------------------------------------------------------ master data

    @property
    def spec(self) -> VehicleSpec:
        return VehicleSpec(
            brand=self.brand,
            model=self.model,
            trim=self.trim,
            colour=self.colour,
            interior=self.interior,
            model_year=self.model_year,
        )

    def set_spec(self, spec: VehicleSpec) -> None:
        self.brand, self.model, self.trim = spec.brand, spec.model, spec.trim
        self.colour, self.interior, self.model_year = spec.colour, spec.interior, spec.model_year

    def set_master_data(
        self,
        *,
        engine_number: str | None,
        certificate_number: str | None,
        options: tuple[str, ...],
    ) -> None:
        """Engine number, certificate number (合格证号) and options (选装)."""
        self.engine_number, self.certificate_number, self.options = master_data(
            engine_number, certificate_number, options
        )

    @property
    def manufacturer_data(self) -> ManufacturerData:
        return ManufacturerData(
            order_number=self.order_number,
            allocation_number=self.allocation_number,
            shipped_on=self.shipped_on,
            eta=self.eta,
            carrier=self.carrier,
            invoice_price=self.invoice_price,
            vat_rate=self.vat_rate,
            invoice_number=self.invoice_number,
            invoice_tax=self.invoice_tax,
            colour_name=self.colour_name,
        )

    def set_manufacturer_data(self, data: ManufacturerData) -> None:
        self.order_number, self.allocation_number = data.order_number, data.allocation_number
        self.shipped_on, self.eta, self.carrier = data.shipped_on, data.eta, data.carrier
        self.invoice_price, self.vat_rate = data.invoice_price, data.vat_rate
        self.invoice_number, self.invoice_tax = data.invoice_number, data.invoice_tax
        self.colour_name = data.colour_name

    @property
    def invoice_split(self) -> TaxSplit | None:
        """The invoice price split into pre-tax price (单车税前开票价) and VAT: the VAT
        as invoiced when the manufacturer stated it, else computed at ``vat_rate``."""
        if self.invoice_price is None:
            return None
        if self.invoice_tax is not None:
            return TaxSplit(
                net=self.invoice_price - self.invoice_tax,
                vat=self.invoice_tax,
                gross=self.invoice_price,
            )
        return self.vat_rate.split_inclusive(self.invoice_price)

    # ------------------------------------------------------------------ derived views

    @property
    def reservation(self) -> Reservation | None:
        if self.state is not S.RESERVED or self.reserved_for_kind is None:
            return None
        assert self.reserved_for and self.reserved_by and self.reserved_at
        return Reservation(
            holder_kind=self.reserved_for_kind,
            holder=self.reserved_for,
            reserved_by=self.reserved_by,
            reserved_at=self.reserved_at,
            until=self.reserved_until,
        )

    @property
    def stock_store(self) -> StoreId | None:
        """The one store whose car stock counts this car, or None (pipeline,
        in transfer, consigned, sold or gone)."""
        return self.store_id if self.state in STOCK_STATES else None

    @property
    def free(self) -> bool:
        """In stock and not reserved, held or damaged: can be offered to a customer."""
        return self.state is S.IN_STOCK

    def live_reservation(self, at: DateTime) -> Reservation | None:
        """The reservation, unless its deadline has passed at ``at`` (then the car is
        free: the next command records the expiry first, ADR 0023)."""
        reservation = self.reservation
        return None if reservation is None or reservation.expired(at) else reservation

    def _lapsed(self, at: DateTime) -> Reservation | None:
        reservation = self.reservation
        return reservation if reservation is not None and reservation.expired(at) else None

    def days_in_stock(self, zone: StoreTimeZone, today: Date) -> int | None:
        """Whole store-local days since the car entered stock at its current store."""
        if self.in_stock_since is None or self.stock_store is None:
            return None
        return (today - zone.local(self.in_stock_since).date()).days

    # ------------------------------------------------------------------ the one way to change state

    def can(self, action: VehicleAction) -> bool:
        return (self.state, action) in TRANSITIONS

    def _log(
        self,
        action: VehicleAction,
        before: VehicleState | None,
        after: VehicleState,
        actor: str,
        reason: str | None,
        at: DateTime,
    ) -> HistoryEntry:
        self.last_seq += 1
        entry = HistoryEntry(
            store_id=self.store_id,
            vin=self.vin,
            seq=self.last_seq,
            at=ensure_aware(at),
            action=action,
            from_state=before,
            to_state=after,
            actor=_text(actor, "actor"),
            reason=_optional_text(reason),
        )
        self.history.append(entry)
        self.record(
            VehicleStateChanged(
                occurred_at=entry.at,
                vin=self.vin.value,
                store_id=self.store_id,
                action=action,
                from_state=before,
                to_state=after,
                actor=entry.actor,
                reason=entry.reason,
            )
        )
        return entry

    def _refuse(self, action: VehicleAction) -> IllegalTransition:
        return IllegalTransition(f"vehicle {self.vin}", self.state.value, action.value)

    def _apply(
        self, action: VehicleAction, actor: str, at: DateTime, reason: str | None = None
    ) -> Result[HistoryEntry, DomainError]:
        # A reservation past its deadline holds the car no longer: the action is
        # judged from IN_STOCK and the expiry is recorded first (ADR 0023).
        lapsed = None if action in {A.EXPIRE, A.RELEASE} else self._lapsed(at)
        after = TRANSITIONS.get((S.IN_STOCK if lapsed else self.state, action))
        if after is None:
            return Failure(self._refuse(action))
        if action in REASON_REQUIRED and not (reason and reason.strip()):
            return Failure(
                VehicleRefused(
                    f"vehicle {self.vin}: {action.value} needs a reason", action=action.value
                )
            )
        if lapsed is not None:
            self._step(A.EXPIRE, "system", at, _expired_reason(lapsed))
        return Success(self._step(action, actor, at, reason))

    def _step(
        self, action: VehicleAction, actor: str, at: DateTime, reason: str | None
    ) -> HistoryEntry:
        before = self.state
        after = TRANSITIONS[(before, action)]
        self.state = after
        if before is S.RESERVED:
            self._clear_reservation()
        if before is S.CONSIGNED:
            self.consigned_to = None
        if before is S.IN_TRANSFER:
            # Received, refused, or damaged on the way (the source keeps a damaged car).
            self.transfer_from = self.transfer_to = None
        if action in {A.PASS_PDI, A.RECEIVE}:
            # Stock age starts when the car enters stock at a store; a refused
            # transfer returns it to the source, where its age goes on (ADR 0025).
            self.in_stock_since = ensure_aware(at)
        return self._log(action, before, after, actor, reason, at)

    def _clear_reservation(self) -> None:
        self.reserved_for_kind = self.reserved_for = self.reserved_by = None
        self.reserved_at = self.reserved_until = None

    def apply(
        self, action: VehicleAction, actor: str, at: DateTime, reason: str | None = None
    ) -> Result[HistoryEntry, DomainError]:
        """Apply an action that needs no details beyond actor and reason
        (ship, arrive, repair, release, hold, unhold, damage, return, deliver,
        register, end consignment); the others have their own methods."""
        if action in _DETAILED:
            return Failure(
                VehicleRefused(f"vehicle {self.vin}: use the {action.value} command for that")
            )
        return self._apply(action, actor, at, reason)

    # ------------------------------------------------------------------ actions with details

    def inspect(
        self,
        *,
        inspector: str,
        items: tuple[ChecklistItem, ...],
        findings: str | None,
        at: DateTime,
    ) -> Result[PdiInspection, DomainError]:
        """Record a PDI: passes when every checklist item is OK (→ IN_STOCK),
        else fails (→ PDI_FAILED, back to repair and a new inspection)."""
        if not items:
            return Failure(VehicleRefused(f"vehicle {self.vin}: a PDI needs a checklist"))
        names = [i.name.lower() for i in items]
        if len(set(names)) != len(names):
            return Failure(VehicleRefused(f"vehicle {self.vin}: checklist items repeat"))
        passed = all(i.ok for i in items)
        action = A.PASS_PDI if passed else A.FAIL_PDI
        if not self.can(action):
            return Failure(IllegalTransition(f"vehicle {self.vin}", self.state.value, "inspect"))
        failed = ", ".join(i.name for i in items if not i.ok)
        reason = findings or (f"failed: {failed}" if failed else None)
        inspection = PdiInspection(
            store_id=self.store_id,
            vin=self.vin,
            number=len(self.inspections) + 1,
            inspected_at=ensure_aware(at),
            inspector=_text(inspector, "inspector"),
            items=items,
            findings=_optional_text(findings),
            passed=passed,
        )
        self.inspections.append(inspection)
        return self._apply(action, inspector, at, reason).map(lambda _: inspection)

    def reserve(
        self,
        *,
        holder_kind: HolderKind,
        holder: str,
        actor: str,
        at: DateTime,
        until: DateTime | None = None,
    ) -> Result[HistoryEntry, DomainError]:
        """Reserve the car for one customer or sales order (预留), optionally until a deadline."""
        at = ensure_aware(at)
        if until is not None and ensure_aware(until) <= at:
            return Failure(
                VehicleRefused(f"vehicle {self.vin}: a reservation must end after it starts")
            )
        holder = _text(holder, "reservation holder")
        outcome = self._apply(A.RESERVE, actor, at, f"for {holder_kind.value} {holder}")
        if isinstance(outcome, Success):
            self.reserved_for_kind, self.reserved_for = holder_kind, holder
            self.reserved_by, self.reserved_at = _text(actor, "actor"), at
            self.reserved_until = None if until is None else ensure_aware(until)
        return outcome

    def release(
        self, actor: str, at: DateTime, reason: str | None = None
    ) -> Result[HistoryEntry, DomainError]:
        """Give a reserved car back to free stock."""
        return self._apply(A.RELEASE, actor, at, reason)

    def expire(self, at: DateTime) -> Result[HistoryEntry, DomainError]:
        """End a reservation whose deadline has passed (done by the system, not a clerk)."""
        reservation = self.reservation
        if reservation is None:
            return Failure(self._refuse(A.EXPIRE))
        if not reservation.expired(at):
            return Failure(
                VehicleRefused(
                    f"vehicle {self.vin}: reservation runs until "
                    f"{reservation.until.isoformat() if reservation.until else 'further notice'}"
                )
            )
        return self._apply(A.EXPIRE, "system", at, _expired_reason(reservation))

    def sell(
        self, *, buyer: str, actor: str, at: DateTime, reason: str | None = None
    ) -> Result[HistoryEntry, DomainError]:
        """Sell the car (purchase agreement signed and paid). A reserved car goes
        only to its holder."""
        buyer = _text(buyer, "buyer")
        reservation = self.live_reservation(at)
        if reservation is not None and reservation.holder != buyer:
            return Failure(
                VehicleRefused(
                    f"vehicle {self.vin} is reserved for {reservation.holder}, not {buyer}",
                    holder=reservation.holder,
                )
            )
        return self._apply(A.SELL, actor, at, reason or f"sold to {buyer}")

    def dispatch(
        self, *, to_store: StoreId, actor: str, at: DateTime, reason: str | None = None
    ) -> Result[HistoryEntry, DomainError]:
        """Send the car to another store (调拨出库): the source's stock drops now."""
        if to_store == self.store_id:
            return Failure(VehicleRefused(f"vehicle {self.vin} is already at store {to_store}"))
        outcome = self._apply(A.DISPATCH, actor, at, reason or f"to store {to_store}")
        if isinstance(outcome, Success):
            self.transfer_from, self.transfer_to = self.store_id, to_store
        return outcome

    def _check_target(self, at_store: StoreId, action: VehicleAction) -> DomainError | None:
        if self.state is not S.IN_TRANSFER:
            return self._refuse(action)
        if self.transfer_to != at_store:
            return WrongStore(
                f"vehicle {self.vin} is in transfer to store {self.transfer_to}, not {at_store}",
                vin=self.vin.value,
                target=self.transfer_to,
            )
        return None

    def receive(
        self, *, at_store: StoreId, actor: str, at: DateTime, reason: str | None = None
    ) -> Result[HistoryEntry, DomainError]:
        """The target store confirms receipt (调拨入库): only now does its stock gain the car."""
        problem = self._check_target(at_store, A.RECEIVE)
        if problem is not None:
            return Failure(problem)
        source = self.transfer_from
        self.store_id = at_store
        self.transfer_from = self.transfer_to = None
        return self._apply(A.RECEIVE, actor, at, reason or f"from store {source}")

    def refuse(
        self, *, at_store: StoreId, actor: str, at: DateTime, reason: str | None = None
    ) -> Result[HistoryEntry, DomainError]:
        """The target store refuses the car: it goes back into the source's stock."""
        problem = self._check_target(at_store, A.REFUSE)
        if problem is not None:
            return Failure(problem)
        target = self.transfer_to
        self.transfer_from = self.transfer_to = None
        return self._apply(A.REFUSE, actor, at, reason or f"refused by store {target}")

    def consign(
        self,
        *,
        to_company: str,
        holder_company: str,
        actor: str,
        at: DateTime,
        reason: str | None = None,
    ) -> Result[HistoryEntry, DomainError]:
        """Consign the car for sale (委托销售) to another company of the group than
        ``holder_company``, the legal entity of the store holding it (ADR 0024)."""
        company = _text(to_company, "consignee").upper()
        if company == _text(holder_company, "holding company").upper():
            return Failure(
                VehicleRefused(
                    f"vehicle {self.vin} is held by store {self.store_id} of company {company}: "
                    "consign it to another group company",
                    company=company,
                )
            )
        outcome = self._apply(A.CONSIGN, actor, at, reason or f"to {company}")
        if isinstance(outcome, Success):
            self.consigned_to = company
        return outcome

    def check_invariants(self) -> None:
        """Raise if the fields contradict the state (used by tests and after loads)."""
        if (self.state is S.RESERVED) != (self.reserved_for is not None):
            raise InvariantViolation(f"vehicle {self.vin}: reservation does not match {self.state}")
        if (self.state is S.IN_TRANSFER) != (self.transfer_to is not None):
            raise InvariantViolation(f"vehicle {self.vin}: transfer does not match {self.state}")
        if (self.state is S.CONSIGNED) != (self.consigned_to is not None):
            raise InvariantViolation(f"vehicle {self.vin}: consignee does not match {self.state}")
        if [e.seq for e in self.history] != list(range(1, self.last_seq + 1)):
            raise InvariantViolation(f"vehicle {self.vin}: history is not contiguous")
        if self.history and self.history[-1].to_state is not self.state:
            raise InvariantViolation(f"vehicle {self.vin}: history ends elsewhere than its state")
        if any(e.action in REASON_REQUIRED and not e.reason for e in self.history):
            raise InvariantViolation(f"vehicle {self.vin}: a hold, damage or return lacks a reason")


REASON_REQUIRED = frozenset({A.HOLD, A.DAMAGE, A.RETURN})
"""Transitions that must say why (held back, damaged, returned to the manufacturer)."""


def _expired_reason(reservation: Reservation) -> str:
    until = reservation.until.to_iso8601_string() if reservation.until else "?"
    return f"reservation for {reservation.holder} expired at {until}"


_DETAILED = frozenset(
    {
        A.PASS_PDI,
        A.FAIL_PDI,
        A.RESERVE,
        A.EXPIRE,
        A.SELL,
        A.DISPATCH,
        A.RECEIVE,
        A.REFUSE,
        A.CONSIGN,
    }
)
"""Actions with their own method (they carry details or guards)."""
