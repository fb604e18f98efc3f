"""Concurrent writers on PostgreSQL (ADR 0037): an accepted quote is never un-frozen, and
two conflicting price schemes are never both added.

Each worker is a separate OS process with its own engine; a barrier releases them
together. Losers must get a clean refusal (a ``Failure``), never an exception.
On SQLite every write transaction begins IMMEDIATE, so these interleavings cannot
happen there (writers queue); the version check in ``SqlQuoteRepository.save`` is
also tested on both engines in test_pricing_storage.py.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from collections.abc import Iterator
from typing import Any

import pendulum
import pytest
from returns.result import Success
from sqlalchemy import text

from fours_adapters.bootstrap import FoursApp, bootstrap
from fours_adapters.sql.engine import make_engine
from fours_adapters.sql.migrate import upgrade
from fours_domain.org import services as org
from fours_domain.pricing import services as svc
from fours_domain.pricing.authority import default_rules
from fours_domain.pricing.model import PriceKind, SchemeId
from fours_domain.pricing.quotes import (
    ConcurrentQuoteChange,
    LineKind,
    QuoteId,
    QuoteLine,
    QuoteStatus,
)
from fours_domain.shared.catalogue import VehicleSpec
from fours_domain.shared.ids import SequentialIdSource, StoreId
from fours_domain.shared.money import cny
from fours_domain.shared.time import FixedClock

AT = pendulum.datetime(2026, 12, 1, 4, tz="UTC")
CAR = VehicleSpec("AUDI", "A6L")
WORKERS = 6
ROUNDS = 2

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def _app(url: str, schema: str) -> FoursApp:
    engine = make_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    return bootstrap(engine=engine, clock=FixedClock(AT))


@pytest.fixture
def pg_pricing(pg_server_url: str) -> Iterator[tuple[str, str]]:
    """A private schema: store S1 selling AUDI, A6L at MSRP 400,000 / guide 380,000 /
    floor 360,000, the default ladder, and a roster of six salespeople and a manager."""
    schema = f"fours_prcconc_{os.getpid()}"
    admin = make_engine(pg_server_url, pool_size=1)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    app = _app(pg_server_url, schema)
    upgrade(app.engine)
    org.create_group(app.uow(), org.CreateGroup("ACME", "Acme")).unwrap()
    org.add_region(app.uow(), org.AddRegion("EAST", "East")).unwrap()
    org.add_brand(app.uow(), org.AddBrand("AUDI", "Audi", "FAW")).unwrap()
    org.open_store(
        app.uow(), org.OpenStore("S1", "S1", "EAST", "Asia/Shanghai", ("AUDI",)), app.clock
    ).unwrap()
    for i in range(WORKERS):
        org.add_staff(app.uow(), org.AddStaff(f"sales{i}", "s", ("SALES",), "S1")).unwrap()
    with app.uow() as uow:
        for rule in default_rules():
            uow.authority.put(rule)
        uow.commit()
    ids = SequentialIdSource("P")
    for kind, price in ((PriceKind.MSRP, "400000"), (PriceKind.INTERNAL_GUIDE, "380000")):
        cmd = svc.AddPriceScheme(kind, "group", "AUDI", price, model="A6L")
        svc.add_price_scheme(app.uow(), cmd, app.clock, ids).unwrap()
    app.close()
    yield pg_server_url, schema
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    admin.dispose()


def _race(
    url: str, schema: str, worker: int, job: str, key: str, barrier: Any, results: Any
) -> None:
    app = _app(url, schema)
    with app.engine.connect() as conn:  # connect before the barrier so all start together
        conn.execute(text("select 1"))
    barrier.wait(timeout=60)
    try:
        if job == "accept":
            outcome: Any = svc.accept_quote(
                app.uow(), svc.AcceptQuote("S1", key, f"sales{worker}"), app.clock
            )
        elif job == "discount":
            cmd = svc.AddQuoteLine("S1", key, LineKind.DISCOUNT, f"discount {worker}", "30000")
            outcome = svc.add_quote_line(app.uow(), cmd, app.clock, SequentialIdSource("L"))
        else:
            cmd_scheme = svc.AddPriceScheme(
                PriceKind.FLOOR,
                "group",
                "AUDI",
                str(350000 + worker),
                model="A6L",
                scheme_id=f"{key}-{worker}",
            )
            outcome = svc.add_price_scheme(
                app.uow(), cmd_scheme, app.clock, SequentialIdSource(f"W{worker}")
            )
        if isinstance(outcome, Success):
            results.put((worker, job, "won", None))
        else:
            results.put((worker, job, "refused", outcome.failure().code))
    except Exception as exc:  # noqa: BLE001 - report any crash to the parent as a failure
        results.put((worker, job, "crashed", f"{type(exc).__name__}: {exc}"))
    finally:
        app.close()


def _run(url: str, schema: str, jobs: list[str], key: str) -> list[tuple[Any, ...]]:
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(len(jobs))
    results = ctx.Queue()
    workers = [
        ctx.Process(target=_race, args=(url, schema, i, job, key, barrier, results))
        for i, job in enumerate(jobs)
    ]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
    assert [o for o in outcomes if o[2] == "crashed"] == []
    return outcomes


def _new_quote(url: str, schema: str) -> str:
    app = _app(url, schema)
    try:
        cmd = svc.NewQuote("S1", CAR, "王先生", "sales0", vehicle_price="380000")
        return str(svc.new_quote(app.uow(), cmd, app.clock, app.ids).unwrap().id)
    finally:
        app.close()


def test_an_accepted_quote_is_never_unfrozen(pg_pricing: tuple[str, str]) -> None:
    url, schema = pg_pricing
    for _ in range(ROUNDS):
        qid = _new_quote(url, schema)
        outcomes = _run(url, schema, ["accept", *["discount"] * (WORKERS - 1)], qid)
        app = _app(url, schema)
        try:
            quote = svc.get_quote(app.uow(), "S1", qid).unwrap()
        finally:
            app.close()
        discounts = [line for line in quote.lines if line.kind is LineKind.DISCOUNT]
        added = [o for o in outcomes if o[1] == "discount" and o[2] == "won"]
        accepted = [o for o in outcomes if o[1] == "accept" and o[2] == "won"]
        # every successful change is in the stored quote, and nothing else is
        assert len(discounts) == len(added)
        if accepted:
            # accepted within the author's authority (378,000): no discount got in first
            assert quote.status is QuoteStatus.ACCEPTED and discounts == []
            assert all(o[3] == "illegal_transition" for o in outcomes if o[2] == "refused")
        else:
            assert quote.status is QuoteStatus.DRAFT
            assert [o[3] for o in outcomes if o[1] == "accept"] == ["approval_required"]


def test_a_stale_copy_cannot_unfreeze_an_accepted_quote(pg_pricing: tuple[str, str]) -> None:
    """The auditor's reproducer: A reads a draft; B accepts and commits; A adds a
    ¥30,000 discount and saves — refused, and the quote stays accepted."""
    url, schema = pg_pricing
    qid = _new_quote(url, schema)
    app = _app(url, schema)
    try:
        with app.uow() as a:
            stale = a.quotes.get(StoreId("S1"), QuoteId(qid))
            assert stale is not None
            accepted = svc.accept_quote(app.uow(), svc.AcceptQuote("S1", qid, "sales1"), app.clock)
            assert accepted.unwrap().status is QuoteStatus.ACCEPTED
            stale.add_line(QuoteLine(LineKind.DISCOUNT, "late discount", cny(30000))).unwrap()
            with pytest.raises(ConcurrentQuoteChange):
                a.quotes.save(stale)
        after = svc.get_quote(app.uow(), "S1", qid).unwrap()
        assert after.status is QuoteStatus.ACCEPTED and after.deal_price == cny(380000)
    finally:
        app.close()


def test_conflicting_schemes_are_never_both_added(pg_pricing: tuple[str, str]) -> None:
    url, schema = pg_pricing
    for round_no in range(ROUNDS):
        key = f"FLOOR-R{round_no}"
        outcomes = _run(url, schema, ["scheme"] * WORKERS, key)
        won = [o for o in outcomes if o[2] == "won"]
        assert len(won) == 1, outcomes
        assert {o[3] for o in outcomes if o[2] == "refused"} == {"conflicting_scheme"}
        app = _app(url, schema)
        try:
            with app.uow() as uow:
                stored = [s for s in uow.price_schemes.list(kind=PriceKind.FLOOR)]
                assert [s.id for s in stored] == [SchemeId(f"{key}-{won[0][0]}")]
                uow.session.execute(text("delete from prc_schemes where kind = 'floor'"))
                uow.commit()
        finally:
            app.close()
