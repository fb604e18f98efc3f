"""The domain error base.

Two kinds of failure, one hierarchy (see docs/adr/0001-errors-exceptions-and-results.md):

* a broken invariant (a programming or data error) is *raised*;
* an expected refusal of a use case (not enough stock, illegal transition,
  price below the floor) is *returned* inside ``returns.result.Failure``.

Both are :class:`DomainError` instances so the CLI and embedders render them
the same way: a stable machine ``code`` and a human sentence naming the thing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

#: Keys of :meth:`DomainError.as_dict` that details may not reuse (``code`` would read
#: as the error's own code next to ``error``; name the offending input ``value``).
RESERVED_DETAIL_KEYS = frozenset({"error", "message", "code"})


class DomainError(Exception):
    """Base of every error the domain raises or returns."""

    code: ClassVar[str] = "domain_error"

    def __init__(self, message: str, **details: object) -> None:
        reused = RESERVED_DETAIL_KEYS.intersection(details)
        if reused:
            raise TypeError(f"error details may not be named {', '.join(sorted(reused))}")
        super().__init__(message)
        self.message = message
        self.details: Mapping[str, object] = details

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"

    def __eq__(self, other: object) -> bool:
        return (
            type(other) is type(self)
            and isinstance(other, DomainError)
            and (other.message, dict(other.details)) == (self.message, dict(self.details))
        )

    def __hash__(self) -> int:
        return hash((type(self), self.message))

    def as_dict(self) -> dict[str, object]:
        """Machine-readable form used by ``--json`` output and APIs."""
        return {"error": self.code, "message": self.message, **dict(self.details)}


class InvariantViolation(DomainError):
    """A value or aggregate would break one of its rules."""

    code = "invariant_violation"


class InvalidIdentifier(InvariantViolation):
    """A VIN, plate, phone number or other identifier is malformed."""

    code = "invalid_identifier"


class NotFound(DomainError):
    """The named thing does not exist."""

    code = "not_found"

    def __init__(self, kind: str, key: object) -> None:
        super().__init__(f"{kind} {key!s} not found", kind=kind, key=str(key))


class AlreadyExists(DomainError):
    """A thing with this key exists already."""

    code = "already_exists"

    def __init__(self, kind: str, key: object) -> None:
        super().__init__(f"{kind} {key!s} already exists", kind=kind, key=str(key))


class DuplicateInput(DomainError):
    """The same key appears twice in one command (``--brand A --brand A``, bins ``A1 A1``).

    Refused rather than merged: a repeated value is usually a typo for another one.
    """

    code = "duplicate_input"

    def __init__(self, kind: str, key: object, where: str = "") -> None:
        place = f" for {where}" if where else ""
        super().__init__(f"{kind} {key!s} is given more than once{place}", kind=kind, key=str(key))


class IllegalTransition(DomainError):
    """A state machine refused an action in its current state."""

    code = "illegal_transition"

    def __init__(self, subject: str, state: str, action: str) -> None:
        super().__init__(
            f"{subject} is {state}: cannot {action}",
            subject=subject,
            state=state,
            action=action,
        )


class StorageFailure(Exception):
    """The storage could not complete a unit of work: not a refusal of the domain.

    Raised by a unit of work (never returned), with the driver's error as its
    ``__cause__``. ``transient``: the transaction lost to a concurrent one (deadlock,
    serialization failure) and was rolled back whole, so running the use case again
    may succeed — :func:`fours_domain.shared.results.guarded` does, a bounded number
    of times (docs/adr/0073-transient-database-failures.md). ``operation`` names the
    application service that failed and ``attempts`` how often it ran; both are set by
    ``guarded``. Not a :class:`DomainError`: a failing database is not a refusal.
    """

    def __init__(self, message: str, *, transient: bool) -> None:
        super().__init__(message)
        self.message = message
        self.transient = transient
        self.operation: str | None = None
        self.attempts = 1

    def __str__(self) -> str:
        return self.message
