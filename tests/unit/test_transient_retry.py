"""``guarded`` runs a use case again after a transient storage failure, a bounded
number of times, and names the operation when it gives up (docs/adr/0073)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from returns.result import Failure, Result, Success

from fours_domain.shared.errors import DomainError, InvariantViolation, StorageFailure
from fours_domain.shared.results import TRANSIENT_ATTEMPTS, guarded, operation_of


def _failing(times: int, *, transient: bool = True) -> tuple[list[int], object]:
    runs: list[int] = []

    def reserve_parts() -> Result[int, DomainError]:
        def run() -> Result[int, DomainError]:
            runs.append(len(runs) + 1)
            if len(runs) <= times:
                raise StorageFailure("deadlock detected", transient=transient)
            return Success(len(runs))

        return guarded(run)

    return runs, reserve_parts


@given(st.integers(min_value=0, max_value=2 * TRANSIENT_ATTEMPTS))
def test_transient_failures_are_retried_a_bounded_number_of_times(times: int) -> None:
    runs, service = _failing(times)
    assert callable(service)
    if times < TRANSIENT_ATTEMPTS:
        assert service() == Success(times + 1)
        assert len(runs) == times + 1
    else:
        with pytest.raises(StorageFailure) as raised:
            service()
        assert len(runs) == TRANSIENT_ATTEMPTS
        assert raised.value.attempts == TRANSIENT_ATTEMPTS
        assert raised.value.operation == "reserve_parts"


def test_other_storage_failures_are_not_retried() -> None:
    runs, service = _failing(1, transient=False)
    assert callable(service)
    with pytest.raises(StorageFailure) as raised:
        service()
    assert runs == [1]
    assert (raised.value.operation, raised.value.attempts) == ("reserve_parts", 1)


def test_an_inner_guarded_that_gave_up_is_not_run_again_by_an_outer_one() -> None:
    runs, inner = _failing(99)
    assert callable(inner)
    with pytest.raises(StorageFailure) as raised:
        guarded(inner, "import_document")
    assert len(runs) == TRANSIENT_ATTEMPTS
    assert raised.value.operation == "reserve_parts"


def test_domain_errors_are_still_failures() -> None:
    def run() -> Result[int, DomainError]:
        raise InvariantViolation("bad code")

    assert guarded(run) == Failure(InvariantViolation("bad code"))


def test_the_operation_is_the_service_that_defines_the_action() -> None:
    def _with_car() -> None:
        def attempt() -> None:
            return None

        assert operation_of(attempt) == "with_car"
        assert operation_of(lambda: None) == "with_car"

    assert operation_of(guarded) == "guarded"

    _with_car()
