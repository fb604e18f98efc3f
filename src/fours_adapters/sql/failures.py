"""Database errors → :class:`~fours_domain.shared.errors.StorageFailure` at the unit of work.

A driver error raised inside a unit of work — through SQLAlchemy (``DBAPIError``) or
straight from the driver on the stock hot path (ADR 0013) — leaves the unit of work as
a ``StorageFailure`` whose ``__cause__`` is the driver's error. It is *transient* when
PostgreSQL chose this transaction as the victim of a deadlock (SQLSTATE 40P01) or of a
serialization failure (40001) and nothing was committed: the transaction was rolled back
whole, so the application service may run it again (docs/adr/0073).

Everything else — a lock or statement timeout, a lost connection, a unique violation,
SQLite's busy timeout — is not retried: it is reported as a database error (exit 3).
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError

from fours_domain.shared.errors import StorageFailure

TRANSIENT_SQLSTATES = frozenset({"40P01", "40001"})
"""deadlock_detected, serialization_failure."""


def sqlstate(error: BaseException) -> str | None:
    """The SQLSTATE of a driver error (wrapped by SQLAlchemy or not), if it has one."""
    orig = error.orig if isinstance(error, DBAPIError) else error
    state = getattr(orig, "sqlstate", None)
    return state if isinstance(state, str) else None


def first_line(error: BaseException) -> str:
    orig = error.orig if isinstance(error, DBAPIError) else error
    lines = str(orig).strip().splitlines()
    return lines[0] if lines else type(orig).__name__


def storage_failure(
    error: BaseException, driver_error: type[BaseException] | None, *, committed: bool
) -> StorageFailure | None:
    """``error`` as a storage failure, or None when it is no database error.

    ``driver_error``: the DBAPI module's ``Error`` class (errors raised on the driver
    connection directly); ``committed``: the transaction had committed already (an
    error after that is never transient — running again would apply twice)."""
    if not isinstance(error, DBAPIError) and not (
        driver_error is not None and isinstance(error, driver_error)
    ):
        return None
    transient = not committed and sqlstate(error) in TRANSIENT_SQLSTATES
    return StorageFailure(first_line(error), transient=transient)
