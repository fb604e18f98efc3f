"""``fours dms``: manufacturer DMS feeds — list adapters, import and export documents."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click
from returns.result import Failure, Success

from fours_cli.output import emit, fail, state
from fours_domain.dms.records import RecordKind
from fours_domain.shared.errors import DomainError

KINDS = [k.value for k in RecordKind]


class DmsUsageError(DomainError):
    code = "dms_usage"


def _options(mapping: str | None, extra: dict[str, str] | None = None) -> dict[str, str]:
    options: dict[str, str] = dict(extra or {})
    star_dir = os.environ.get("FOURS_STAR_DIR")
    if star_dir and "star_dir" not in options:
        options["star_dir"] = star_dir
    if mapping:
        options["mapping"] = mapping
    return options


def _route(
    adapter: str | None, brand: str | None, mapping: str | None
) -> tuple[str, dict[str, str]]:
    """The adapter name and options, from ``--adapter`` or the brand's route in dms.toml."""
    if adapter:
        return adapter, _options(mapping)
    if not brand:
        raise click.UsageError("pass --adapter NAME, or --brand CODE with FOURS_DMS_CONFIG set")
    config = os.environ.get("FOURS_DMS_CONFIG")
    if not config:
        raise click.UsageError("--brand needs FOURS_DMS_CONFIG (a dms.toml with [brands.*])")
    from fours_adapters.dms.discovery import load_routes

    routes = load_routes(Path(config))
    route = routes.get(brand.upper())
    if route is None:
        raise click.UsageError(f"{config} has no route for brand {brand.upper()}")
    return route.adapter, _options(mapping, dict(route.options))


def _binding_context(source: str) -> Any:
    """Dealer codes → stores from ``[dealers]`` of FOURS_DMS_CONFIG; ``--store`` for the rest."""
    from fours_adapters.dms.binding import BindingContext
    from fours_adapters.dms.discovery import AdapterProblem, load_dealers

    config = os.environ.get("FOURS_DMS_CONFIG")
    try:
        dealers = load_dealers(Path(config)) if config else {}
    except AdapterProblem as exc:
        fail(DmsUsageError(str(exc)))
    store = state().store
    return BindingContext(source, dealers, store.strip().upper() if store else None)


def _dealer_of(context: Any) -> str | None:
    """The manufacturer's dealer code of ``--store`` (from ``[dealers]``), else the store id."""
    if context.default_store is None:
        return None
    store: str = context.default_store
    codes = [str(code) for code, mapped in context.dealers.items() if mapped == store]
    return codes[0] if codes else store


def _load(name: str, options: dict[str, str]) -> Any:
    from fours_adapters.dms.discovery import AdapterProblem, load_adapter
    from fours_adapters.dms.spreadsheet.mapping import MappingProblem

    try:
        return load_adapter(name, options)
    except (AdapterProblem, MappingProblem, ValueError) as exc:
        fail(DmsUsageError(str(exc)))


@click.group()
def dms() -> None:
    """Manufacturer DMS feeds: STAR XML, CSV and installed adapters."""


@dms.command("list")
def list_adapters() -> None:
    """Installed adapters (entry points ``fours.dms``), their kinds, and the bound kinds."""
    from fours_adapters.dms.binding import bound_kinds
    from fours_adapters.dms.discovery import as_outbound, discovered

    bound = bound_kinds()
    rows = []
    for name, entry in sorted(discovered().items()):
        feed = _load(name, _options(None))
        out = as_outbound(feed)
        rows.append(
            {
                "adapter": name,
                "module": entry.value,
                "reads": sorted(k.value for k in feed.reads()),
                "writes": sorted(k.value for k in out.writes()) if out else [],
            }
        )
    data = {"adapters": rows, "bound_kinds": sorted(k.value for k in bound)}
    lines = [
        f"{r['adapter']:<12} reads: {', '.join(r['reads']) or '-'}"
        + (f"; writes: {', '.join(r['writes'])}" if r["writes"] else "")
        for r in rows
    ]
    lines.append(
        "bound to fours contexts: " + (", ".join(data["bound_kinds"]) or "none yet (use --check)")  # type: ignore[arg-type]
    )
    emit(data, "\n".join(lines))


@dms.command("import")
@click.option("--adapter", "adapter_name", metavar="NAME", help="Adapter (see fours dms list).")
@click.option("--brand", metavar="CODE", help="Pick the adapter configured for this brand.")
@click.option("--kind", "kind_name", type=click.Choice(KINDS), required=True)
@click.option("--mapping", metavar="NAME|FILE", help="CSV column mapping (built-in name or TOML).")
@click.option("--encoding", metavar="ENC", help="Declare the encoding (utf-8, gbk, gb18030…).")
@click.option("--strict", is_flag=True, help="Validate against the format's schema first.")
@click.option("--check", "check_only", is_flag=True, help="Read and validate only; apply nothing.")
@click.option(
    "--rejects",
    "rejects_path",
    type=click.Path(path_type=Path),
    metavar="FILE",
    help="Where rejected rows go (default: next to FILE).",
)
@click.option(
    "--period",
    metavar="PERIOD",
    help="rebate-statement: the statement's period (2026-Q3, 2026-09…).",
)
@click.option(
    "--ack",
    "ack_path",
    type=click.Path(path_type=Path),
    metavar="FILE",
    help="STAR: write an AcknowledgeVehicleInventory for the document.",
)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_document(
    adapter_name: str | None,
    brand: str | None,
    kind_name: str,
    mapping: str | None,
    encoding: str | None,
    strict: bool,
    check_only: bool,
    rejects_path: Path | None,
    period: str | None,
    ack_path: Path | None,
    file: Path,
) -> None:
    """Import FILE: records are applied whole or not at all; re-imports change nothing."""
    from fours_adapters.dms.binding import bound_appliers
    from fours_adapters.dms.rejects import JsonlRejectFile, counting
    from fours_domain.dms.ports import Document
    from fours_domain.dms.services import ImportDocument, import_document

    name, options = _route(adapter_name, brand, mapping)
    feed = _load(name, options)
    context = _binding_context(name)
    kind = RecordKind(kind_name)
    counters: list[Any] = []

    def opener() -> Any:
        stream, counter = counting(file.open("rb"))
        counters.append(counter)
        return stream

    doc_options = {"encoding": encoding} if encoding else {}
    document = Document(str(file), opener, doc_options)
    csv_like = hasattr(feed, "reject_sink")
    target = rejects_path or file.with_name(
        file.name + (".rejects.csv" if csv_like else ".rejects.jsonl")
    )
    partial = target.with_name(target.name + ".partial")
    app = state().app
    size = file.stat().st_size
    show_bar = not state().as_json and sys.stderr.isatty()
    bar_cm = click.progressbar(length=size, label=file.name, file=sys.stderr) if show_bar else None
    try:
        with partial.open("w", encoding="utf-8-sig" if csv_like else "utf-8", newline="") as out:
            try:
                sink = feed.reject_sink(document, out) if csv_like else JsonlRejectFile(out)
            except DomainError as error:
                fail(error)
            done = [0]

            def progress(_n: int) -> None:
                if bar_cm is not None and counters:
                    position = counters[-1].position
                    bar_cm.update(position - done[0])
                    done[0] = position

            if bar_cm is not None:
                bar_cm.__enter__()
            try:
                if kind is RecordKind.REBATE_STATEMENT and not check_only:
                    _reconcile(feed, document, context, period, strict, sink, partial, target)
                    return
                if kind is RecordKind.PARTS_INVENTORY and not check_only:
                    _compare_stock(feed, document, context, strict, sink, partial, target)
                    return
                result = import_document(
                    app.uow(),
                    feed,
                    bound_appliers(context).get(kind),
                    ImportDocument(document, kind, strict=strict, check_only=check_only),
                    clock=app.clock,
                    ids=app.ids,
                    rejects=sink,
                    progress=progress,
                )
            finally:
                if bar_cm is not None:
                    bar_cm.__exit__(None, None, None)
        _report(result, sink, partial, target, ack_path, feed, app)
    finally:
        partial.unlink(missing_ok=True)


def _reconcile(
    feed: Any,
    document: Any,
    context: Any,
    period: str | None,
    strict: bool,
    sink: Any,
    partial: Path,
    target: Path,
) -> None:
    """Rebate statements are reconciled whole (nothing stored; re-running gives the same)."""
    from fours_domain.dms.reconcile import ReconcileDocument, reconcile_statement_document

    if not period:
        raise click.UsageError("a rebate statement needs --period (e.g. 2026-Q3)")
    result = reconcile_statement_document(
        state().app.uow(),
        feed,
        ReconcileDocument(document, period, context.dealers, context.default_store, strict),
        sink,
    )
    match result:
        case Success(outcome):
            report = outcome.report
            data: dict[str, Any] = {
                "adapter": feed.name,
                "kind": RecordKind.REBATE_STATEMENT.value,
                "document": document.name,
                "status": "reconciled",
                "period": report.period_key,
                "lines_read": outcome.lines_read,
                "rejected": outcome.rejected,
                "warnings": outcome.warnings,
                "ours_total": str(report.ours_total.amount),
                "theirs_total": str(report.theirs_total.amount),
                "difference": str(report.difference.amount),
                "differences": [
                    {
                        "vin": line.vin,
                        "policy": line.policy_id,
                        "ours": str(line.ours.amount),
                        "theirs": str(line.theirs.amount),
                        "difference": line.difference.value,
                        "cause": None if line.cause is None else line.cause.value,
                        "explanation": line.explanation,
                    }
                    for line in report.differences
                ],
                "reject_file": None,
            }
            if outcome.rejected:
                sink_file = partial
                data["reject_file"] = str(target)
                sink_file.replace(target)
            human = (
                f"{document.name}: reconciled {outcome.lines_read} statement lines for "
                f"{report.period_key}: ours ¥{data['ours_total']}, statement "
                f"¥{data['theirs_total']}, difference ¥{data['difference']} over "
                f"{len(report.differences)} line(s); {outcome.rejected} rejected"
            )
            emit(data, human)
        case Failure(error):
            fail(error)


def _compare_stock(
    feed: Any,
    document: Any,
    context: Any,
    strict: bool,
    sink: Any,
    partial: Path,
    target: Path,
) -> None:
    """Parts inventories are compared with our book stock (nothing stored; re-running gives
    the same); a confirmed difference is put right with ``fours stock count``."""
    from fours_domain.dms.stock_compare import CompareStockDocument, compare_stock_document

    result = compare_stock_document(
        state().app.uow(),
        feed,
        CompareStockDocument(document, context.dealers, context.default_store, strict),
        sink,
    )
    match result:
        case Success(report):
            data: dict[str, Any] = {
                "adapter": feed.name,
                "kind": RecordKind.PARTS_INVENTORY.value,
                "document": document.name,
                "status": "compared",
                "stores": list(report.stores),
                "positions_read": report.positions_read,
                "rejected": report.rejected,
                "warnings": report.warnings,
                "parts_compared": report.parts_compared,
                "agreeing": report.agreeing,
                "differences": [
                    {
                        "store": line.store_id,
                        "part": line.part_number,
                        "theirs": line.theirs,
                        "ours": line.ours,
                        "difference": line.difference,
                    }
                    for line in report.differences
                ],
                "reject_file": None,
            }
            if report.rejected:
                data["reject_file"] = str(target)
                partial.replace(target)
            lines = [
                f"{document.name}: compared {report.parts_compared} part(s) in "
                f"{', '.join(report.stores) or 'no store'}: {report.agreeing} agree, "
                f"{len(report.differences)} differ; {report.rejected} rejected"
            ]
            lines += [
                f"  {line.store_id} {line.part_number}: DMS {line.theirs}, ours {line.ours} "
                f"({line.difference:+d})"
                for line in report.differences
            ]
            emit(data, "\n".join(lines))
        case Failure(error):
            fail(error)


def _report(
    result: Any, sink: Any, partial: Path, target: Path, ack_path: Path | None, feed: Any, app: Any
) -> None:
    from fours_adapters.dms.rejects import JsonlRejectFile

    match result:
        case Success(summary):
            data = summary.as_dict()
            # A JSON-lines reject file also carries the warnings: keep it for them too.
            if summary.rejected or (summary.warnings and isinstance(sink, JsonlRejectFile)):
                partial.replace(target)
                data["reject_file"] = str(target)
            else:
                data["reject_file"] = None
            data["first_warnings"] = [f"{w.location}: {w.message}"[:300] for w in sink.warnings[:5]]
            if ack_path is not None:
                _acknowledge(ack_path, feed, summary, app)
                data["acknowledgement"] = str(ack_path)
            emit(data, _human(data))
        case Failure(error):
            fail(error)


def _human(data: dict[str, Any]) -> str:
    if data["status"] == "duplicate":
        return (
            f"{data['document']}: already imported ({data['document_key']}) at "
            f"{data['imported_at']} as import {data['import_id']}; nothing changed"
        )
    verb = "checked" if data["status"] == "checked" else "imported"
    counts = (
        f"{data['valid']} valid, {data['rejected']} rejected, {data['warnings']} warnings"
        if data["status"] == "checked"
        else f"{data['created']} created, {data['updated']} updated, {data['unchanged']} "
        f"unchanged, {data['rejected']} rejected, {data['warnings']} warnings"
    )
    lines = [f"{data['document']}: {verb} {data['kind']} via {data['adapter']}: {counts}"]
    lines.extend(f"  warning: {w}" for w in data["first_warnings"])
    if data.get("reject_file"):
        written = "rejected rows (and warnings)" if data["rejected"] else "warnings"
        lines.append(f"  {written} written to {data['reject_file']}")
    if data["warnings"] > len(data["first_warnings"]):
        lines.append(f"  … {data['warnings'] - len(data['first_warnings'])} more warnings")
    return "\n".join(lines)


def _acknowledge(path: Path, feed: Any, summary: Any, app: Any) -> None:
    from fours_adapters.dms.star.outbound import write_acknowledge_vehicle_inventory
    from fours_domain.dms.ports import Envelope

    if feed.name != "star" or not summary.document_key.startswith("BODID:"):
        fail(DmsUsageError("--ack is for STAR documents that carry a BODID"))
    envelope = Envelope(document_id=app.ids.new_id(), created_at=app.clock.now())
    with path.open("wb") as sink:
        write_acknowledge_vehicle_inventory(
            sink,
            envelope,
            summary.document_key.removeprefix("BODID:"),
            accepted=summary.rejected == 0,
            reasons=[f"{summary.rejected} line items rejected"] if summary.rejected else [],
        )


@dms.command("export")
@click.option("--adapter", "adapter_name", metavar="NAME", required=True)
@click.option("--kind", "kind_name", type=click.Choice(KINDS), required=True)
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path),
    metavar="FILE",
    help="Write here (default: standard output).",
)
@click.option(
    "--from",
    "source_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Convert this document instead of reading fours' records.",
)
@click.option("--from-adapter", metavar="NAME", help="Adapter that reads --from.")
@click.option("--mapping", metavar="NAME|FILE", help="Mapping of --from-adapter (CSV).")
def export_document(
    adapter_name: str,
    kind_name: str,
    output: Path | None,
    source_file: Path | None,
    from_adapter: str | None,
    mapping: str | None,
) -> None:
    """Write KIND records as a document of adapter NAME (e.g. STAR ShowVehicleInventory)."""
    from fours_adapters.dms.binding import bound_sources
    from fours_adapters.dms.discovery import as_outbound
    from fours_domain.dms.ports import Document, Envelope, KindNotBound, KindNotSupported, Located
    from fours_domain.dms.services import KIND_CONTEXT

    kind = RecordKind(kind_name)
    writer = as_outbound(_load(adapter_name, _options(None)))
    if writer is None or kind not in writer.writes():
        supported = writer.writes() if writer else frozenset()
        fail(KindNotSupported(adapter_name, kind, supported))
    app = state().app
    envelope = Envelope(document_id=app.ids.new_id(), created_at=app.clock.now())
    sink: Any = output.open("wb") if output else sys.stdout.buffer
    try:
        if source_file is not None:
            reader = _load(from_adapter or adapter_name, _options(mapping))
            document = Document(str(source_file), lambda: source_file.open("rb"))
            records = (
                item.record for item in reader.read(document, kind) if isinstance(item, Located)
            )
            count = writer.write(kind, records, sink, envelope)
        else:
            source = bound_sources().get(kind)
            if source is None:
                fail(KindNotBound(kind, KIND_CONTEXT[kind]))
            context = _binding_context(adapter_name)
            envelope = Envelope(
                document_id=envelope.document_id,
                created_at=envelope.created_at,
                dealer_code=_dealer_of(context),
            )
            with app.uow() as uow:
                count = writer.write(kind, source(uow, context), sink, envelope)
    except DomainError as error:
        fail(error)
    finally:
        if output:
            sink.close()
    if output:
        emit(
            {
                "adapter": adapter_name,
                "kind": kind.value,
                "written": count,
                "file": str(output),
                "document_id": envelope.document_id,
            },
            f"{output}: {count} {kind.value} records written as {adapter_name}",
        )


@dms.command("history")
@click.option("--limit", default=20, show_default=True)
def history(limit: int) -> None:
    """The import journal: documents applied, newest first."""
    app = state().app
    with app.uow() as uow:
        rows = [
            {
                "id": e.id,
                "adapter": e.adapter,
                "kind": e.kind.value,
                "document": e.document_name,
                "key": e.document_key,
                "imported_at": e.imported_at.isoformat(),
                "created": e.created,
                "updated": e.updated,
                "unchanged": e.unchanged,
                "rejected": e.rejected,
            }
            for e in uow.dms_imports.recent(limit)
        ]
    emit(rows)
