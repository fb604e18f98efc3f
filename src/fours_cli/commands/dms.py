"""``fours dms``: manufacturer DMS feeds — list adapters, import and export documents,
the manufacturer's stock positions."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NoReturn

import click
from returns.result import Failure, Success

from fours_cli.output import emit, fail, state, table
from fours_domain.dms.records import RecordKind
from fours_domain.shared.errors import DomainError

KINDS = [k.value for k in RecordKind]
PREVIEW = 5
"""Warnings shown in the summary (all of them go to the warnings file)."""
LISTED_DIFFERENCES = 50
"""Stock differences shown in the human summary (all of them in ``--json``)."""


class DmsUsageError(DomainError):
    code = "dms_usage"


class DmsAdapterError(DomainError):
    """An adapter or the DMS configuration is broken (names the plugin or the file)."""

    code = "dms_adapter"


class DmsOutputError(DomainError):
    """A file the command must write cannot be written."""

    code = "dms_output"


def _usage(message: str) -> NoReturn:
    """A wrong combination of options: one line (JSON with ``--json``), exit 2."""
    error = DmsUsageError(message)
    if state().as_json:
        import json

        click.echo(json.dumps(error.as_dict(), ensure_ascii=False))
    else:
        click.echo(f"Error: {message}", err=True)
    raise SystemExit(2)


def _adapters() -> Any:
    return state().container.dms()  # the plugins need no database


def _feed(adapter: str | None, brand: str | None, extra: dict[str, str]) -> Any:
    """The feed of ``--adapter`` (with ``extra`` options) or of ``--brand``'s route."""
    from fours_adapters.dms.discovery import AdapterProblem

    if not adapter and not brand:
        _usage("pass --adapter NAME, or --brand CODE with FOURS_DMS_CONFIG set")
    try:
        if adapter:
            return _adapters().load(adapter, extra)
        return _adapters().for_brand(brand, extra)
    except AdapterProblem as problem:
        fail(DmsAdapterError(str(problem)))


def _binding_context(source: str, adjustment: Any = None) -> Any:
    """Dealer codes → stores from ``[dealers]`` of the DMS configuration; ``--store`` for
    the rest."""
    from fours_adapters.dms.binding import BindingContext
    from fours_adapters.dms.discovery import AdapterProblem

    try:
        dealers = _adapters().dealers
    except AdapterProblem as problem:
        fail(DmsAdapterError(str(problem)))
    store = state().store
    return BindingContext(source, dealers, store.strip().upper() if store else None, adjustment)


def _dealer_of(context: Any) -> str | None:
    """The manufacturer's dealer code of ``--store`` (from ``[dealers]``), else the store id."""
    if context.default_store is None:
        return None
    store: str = context.default_store
    codes = [str(code) for code, mapped in context.dealers.items() if mapped == store]
    return codes[0] if codes else store


def _writable(path: Path, what: str, option: str) -> None:
    """Refuse, before anything is done, a file the command could not write."""
    parent = path.parent
    if path.is_dir():
        fail(DmsOutputError(f"cannot write the {what} to {path}: it is a directory"))
    if not parent.is_dir():
        fail(
            DmsOutputError(
                f"cannot write the {what} to {path}: directory {parent} does not exist "
                f"(choose another with {option})"
            )
        )
    if not os.access(parent, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.W_OK)):
        fail(
            DmsOutputError(
                f"cannot write the {what} to {path}: not writable (choose another with {option})"
            )
        )


def _beside(file: Path, output_dir: Path | None, suffix: str) -> Path:
    """Where a file about FILE goes unless named: in ``--output-dir``, else beside FILE
    (a directory that is not writable is refused before anything is done, ADR 0064)."""
    return (output_dir or file.parent) / (file.name + suffix)


def _builtin(feed: Any) -> bool:
    return type(feed).__module__.startswith("fours_adapters.")


def _plugin_failed(feed: Any, document: str, exc: Exception) -> NoReturn:
    """A third-party adapter failed while working: one line naming it (nothing applied —
    the unit of work rolled back)."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    fail(
        DmsAdapterError(
            f"DMS adapter {feed.name!r} failed on {document}: {type(exc).__name__}"
            + (f": {text}" if text else "")
            + "; nothing was applied"
        )
    )


@click.group()
def dms() -> None:
    """Manufacturer DMS feeds: STAR XML, CSV and installed adapters."""


@dms.command("list")
def list_adapters() -> None:
    """Installed adapters (entry points ``fours.dms``), their kinds, and the bound kinds.

    A plugin that cannot be loaded is listed with the reason; the others still work."""
    from fours_adapters.dms.binding import bound_kinds

    rows = [
        {
            "adapter": info.name,
            "module": info.module,
            "reads": list(info.reads),
            "writes": list(info.writes),
            "problem": info.problem,
        }
        for info in _adapters().listing()
    ]
    bound = sorted(k.value for k in bound_kinds())
    data = {"adapters": rows, "bound_kinds": bound}
    lines = []
    for r in rows:
        if r["problem"]:
            lines.append(f"{r['adapter']:<12} BROKEN: {r['problem']}")
            continue
        lines.append(
            f"{r['adapter']:<12} reads: {', '.join(r['reads']) or '-'}"
            + (f"; writes: {', '.join(r['writes'])}" if r["writes"] else "")
        )
    lines.append("bound to fours contexts: " + (", ".join(bound) or "none yet (use --check)"))
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
    help="Where rejected rows go, to fix and feed again (default: next to FILE).",
)
@click.option(
    "--warnings",
    "warnings_path",
    type=click.Path(path_type=Path),
    metavar="FILE",
    help="Where every warning goes, as JSON lines (default: FILE.warnings.jsonl).",
)
@click.option(
    "--output-dir",
    type=click.Path(file_okay=False, path_type=Path),
    metavar="DIR",
    help="Where the reject and warnings files go unless named (default: FILE's directory).",
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
    help="STAR inventories: write the acknowledgement (AcknowledgeVehicleInventory / "
    "AcknowledgePartsInventory) of the document.",
)
@click.option(
    "--adjust-stock",
    is_flag=True,
    help="parts-inventory: post the differences with our ledger as a stocktake (ledger "
    "adjustments with a variance report).",
)
@click.option(
    "--warehouse",
    metavar="CODE",
    help="--adjust-stock: the warehouse to count (default: the store's only parts warehouse).",
)
@click.option(
    "--bin",
    "default_bin",
    metavar="CODE",
    help="--adjust-stock: the bin for parts the warehouse holds in no bin yet.",
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
    warnings_path: Path | None,
    output_dir: Path | None,
    period: str | None,
    ack_path: Path | None,
    adjust_stock: bool,
    warehouse: str | None,
    default_bin: str | None,
    file: Path,
) -> None:
    """Import FILE: records are applied whole or not at all; re-imports change nothing.

    Rejected rows go to a reject file in the document's own format (fix it and import it
    again), every warning to a warnings file; a parts inventory's positions are kept and
    compared with our stock (--adjust-stock posts the differences as a stocktake)."""
    from fours_adapters.dms.binding import StockAdjustmentOptions, bound_appliers
    from fours_adapters.dms.rejects import ImportFiles, counting, reject_suffix
    from fours_domain.dms.ports import Document
    from fours_domain.dms.services import ImportDocument

    kind = RecordKind(kind_name)
    _check_options(kind, check_only, period, adjust_stock, warehouse, default_bin)
    feed = _feed(adapter_name, brand, {"mapping": mapping} if mapping else {})
    adjustment = StockAdjustmentOptions(warehouse, default_bin) if adjust_stock else None
    context = _binding_context(feed.name, adjustment)
    counters: list[Any] = []

    def opener() -> Any:
        stream, counter = counting(file.open("rb"))
        counters.append(counter)
        return stream

    document = Document(str(file), opener, {"encoding": encoding} if encoding else {})
    rejects_target = rejects_path or _beside(file, output_dir, reject_suffix(feed))
    warnings_target = warnings_path or _beside(file, output_dir, ".warnings.jsonl")
    _writable(rejects_target, "reject file", "--rejects or --output-dir")
    _writable(warnings_target, "warnings file", "--warnings or --output-dir")
    original = None
    if ack_path is not None:
        _writable(ack_path, "acknowledgement", "--ack")
        original = _acknowledgeable(feed, document, kind)
    files = ImportFiles(feed, document, rejects_target, warnings_target, preview=PREVIEW)
    if kind is RecordKind.REBATE_STATEMENT and not check_only:
        _reconcile(feed, document, context, period or "", strict, files)
        return
    app = state().app
    command = ImportDocument(document, kind, strict=strict, check_only=check_only)
    with _progress(file, counters) as progress:
        result = _run_import(app, feed, bound_appliers(context).get(kind), command, files, progress)
    match result:
        case Success(summary):
            _imported(summary, files, feed, kind, strict, ack_path, original, app)
        case Failure(error):
            files.discard()
            fail(error)


def _check_options(
    kind: RecordKind,
    check_only: bool,
    period: str | None,
    adjust_stock: bool,
    warehouse: str | None,
    default_bin: str | None,
) -> None:
    if (adjust_stock or warehouse or default_bin) and kind is not RecordKind.PARTS_INVENTORY:
        _usage("--adjust-stock, --warehouse and --bin are for --kind parts-inventory")
    if (warehouse or default_bin) and not adjust_stock:
        _usage("--warehouse and --bin go with --adjust-stock")
    if adjust_stock and check_only:
        _usage("--adjust-stock posts a stocktake; --check applies nothing: choose one")
    if period and kind is not RecordKind.REBATE_STATEMENT:
        _usage("--period is for --kind rebate-statement")
    if kind is RecordKind.REBATE_STATEMENT and not check_only and not period:
        _usage("a rebate statement needs --period (e.g. 2026-Q3)")


@contextlib.contextmanager
def _progress(file: Path, counters: list[Any]) -> Iterator[Callable[[int], None]]:
    """A progress bar over the file's bytes on a terminal (nothing under ``--json``)."""
    if state().as_json or not sys.stderr.isatty():
        yield lambda _n: None
        return
    done = [0]
    with click.progressbar(length=file.stat().st_size, label=file.name, file=sys.stderr) as bar:

        def progress(_n: int) -> None:
            if counters:
                position = counters[-1].position
                bar.update(position - done[0])
                done[0] = position

        yield progress


def _run_import(
    app: Any,
    feed: Any,
    applier: Any,
    command: Any,
    files: Any,
    progress: Callable[[int], None],
) -> Any:
    """The import service; a database error or a third-party adapter's failure is one
    clean line (its unit of work rolled back: nothing applied)."""
    from sqlalchemy.exc import DBAPIError

    from fours_cli.errors import EXIT_DATABASE, describe_database_error, report, storage_payload
    from fours_domain.dms.services import import_document
    from fours_domain.shared.errors import StorageFailure

    try:
        return import_document(
            app.uow(),
            feed,
            applier,
            command,
            clock=app.clock,
            ids=app.ids,
            rejects=files,
            progress=progress,
        )
    except (DBAPIError, StorageFailure) as exc:
        # StorageFailure: the import's unit of work failed on the database (ADR 0073).
        files.discard()
        if isinstance(exc, StorageFailure):
            # The import is not rerun (its reject files and progress are not idempotent).
            exc.operation = exc.operation or f"the import of {command.document.name}"
            payload = storage_payload(exc)
        else:
            code, message = describe_database_error(exc)
            payload = {"error": code, "message": message}
        payload["message"] = f"{payload['message']}; nothing was applied"
        report(payload, as_json=state().as_json)
        sys.exit(EXIT_DATABASE)
    except Exception as exc:
        files.discard()
        if _builtin(feed):
            raise
        _plugin_failed(feed, command.document.name, exc)


def _acknowledgeable(feed: Any, document: Any, kind: RecordKind) -> Any:
    """The original envelope of a STAR document that ``--ack`` can answer (else refused
    before anything is imported)."""
    from fours_adapters.dms.star.inbound import read_envelope
    from fours_adapters.dms.star.outbound import ACKNOWLEDGED
    from fours_domain.dms.ports import DocumentRefused

    if feed.name != "star" or kind not in ACKNOWLEDGED:
        kinds = " and ".join(k.value for k in ACKNOWLEDGED)
        _usage(f"--ack answers STAR documents ({kinds}); this is {kind.value} via {feed.name}")
    try:
        with document.open() as stream:
            root, original = read_envelope(stream, document.name)
    except DocumentRefused as refused:
        fail(refused)
    if not original.bodid:
        _usage(f"--ack needs a document with a BODID; {document.name} has none")
    return root, original


def _imported(
    summary: Any,
    files: Any,
    feed: Any,
    kind: RecordKind,
    strict: bool,
    ack_path: Path | None,
    original: Any,
    app: Any,
) -> None:
    try:
        rejects, warnings = files.finish()
    except OSError as exc:
        fail(
            DmsOutputError(
                f"{summary.document}: imported, but the reject or warnings file "
                f"could not be written: {exc}"
            )
        )
    data = summary.as_dict()
    data["reject_file"] = str(rejects) if rejects else None
    data["warnings_file"] = str(warnings) if warnings else None
    data["first_warnings"] = [f"{w.location}: {w.message}"[:300] for w in files.preview]
    if summary.status.value == "duplicate":
        data["validated"] = not strict
        if kind is RecordKind.PARTS_INVENTORY:
            data["hint"] = (
                "its positions are stored: fours dms positions --compare shows them against "
                "our ledger, fours dms adjust-stock posts them"
            )
    report = summary.report
    if report is not None:
        data.update(_positions_report(report))
    if ack_path is not None and original is not None and summary.status.value == "applied":
        _acknowledge(ack_path, summary, files, kind, original, app)
        data["acknowledgement"] = str(ack_path)
    emit(data, _human(data, strict))


def _acknowledge(
    path: Path, summary: Any, files: Any, kind: RecordKind, original: Any, app: Any
) -> None:
    from fours_adapters.dms.star.outbound import Acknowledgement, write_acknowledgement
    from fours_domain.dms.ports import Envelope

    root, envelope_read = original
    answer = Acknowledgement(
        kind,
        envelope_read,
        root,
        applied=summary.created + summary.updated + summary.unchanged + summary.ignored,
        rejected=summary.rejected,
        rejections=files.rejections,
    )
    ours = Envelope(
        document_id=app.ids.new_id(),
        created_at=app.clock.now(),
        dealer_code=envelope_read.dealer_code,
    )
    partial = path.with_name(path.name + ".partial")
    try:
        with partial.open("wb") as sink:
            write_acknowledgement(sink, ours, answer)
        partial.replace(path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        fail(
            DmsOutputError(
                f"{summary.document}: imported as {summary.import_id}, but the "
                f"acknowledgement could not be written to {path}: {exc}"
            )
        )


def _positions_report(report: Any) -> dict[str, Any]:
    from fours_domain.dms.positions import PositionsReport

    if not isinstance(report, PositionsReport):
        return {}
    return {
        "stores": list(report.stores),
        "positions_dropped": report.dropped,
        "catalogue": {
            "created": report.catalogue_created,
            "updated": report.catalogue_updated,
            "not_in_catalogue": report.not_in_catalogue,
        },
        "comparison": _comparison(report.comparison),
        "adjustments": None
        if report.adjustments is None
        else [_adjustment(a) for a in report.adjustments],
    }


def _comparison(comparison: Any) -> dict[str, Any]:
    return {
        "stores": list(comparison.stores),
        "parts_compared": comparison.parts_compared,
        "agreeing": comparison.agreeing,
        "differences": [
            {
                "store": line.store_id,
                "part": line.part_number,
                "theirs": line.theirs,
                "ours": line.ours,
                "difference": line.difference,
            }
            for line in comparison.differences
        ],
    }


def _adjustment(adjustment: Any) -> dict[str, Any]:
    from fours_cli.commands.stock import _variance

    return {
        "store": adjustment.store_id,
        "warehouse": adjustment.warehouse_code,
        "stocktake": None if adjustment.variance is None else _variance(adjustment.variance),
        "not_adjusted": [
            {
                "store": line.store_id,
                "part": line.part_number,
                "theirs": line.theirs,
                "ours": line.ours,
                "reason": line.reason,
            }
            for line in adjustment.not_adjusted
        ],
    }


def _comparison_lines(comparison: dict[str, Any]) -> list[str]:
    differences = comparison["differences"]
    lines = [
        f"compared {comparison['parts_compared']} part(s) in "
        f"{', '.join(comparison['stores']) or 'no store'}: {comparison['agreeing']} agree, "
        f"{len(differences)} differ"
    ]
    lines += [
        f"  {d['store']} {d['part']}: DMS {d['theirs']}, ours {d['ours']} ({d['difference']:+d})"
        for d in differences[:LISTED_DIFFERENCES]
    ]
    if len(differences) > LISTED_DIFFERENCES:
        lines.append(f"  … {len(differences) - LISTED_DIFFERENCES} more (--json lists them all)")
    return lines


def _adjustment_lines(adjustment: dict[str, Any]) -> list[str]:
    where = f"{adjustment['store']}/{adjustment['warehouse']}"
    stocktake = adjustment["stocktake"]
    lines = []
    if stocktake is None:
        lines.append(f"stocktake {where}: nothing to post")
    else:
        lines.append(
            f"stocktake {where} ({stocktake['reference']}): {len(stocktake['lines'])} line(s), "
            f"variance {stocktake['quantity_variance']} units, {stocktake['value_variance']} CNY"
        )
        lines += [
            f"  {line['bin']} {line['part']}: {line['book']} → {line['counted']}"
            for line in stocktake["lines"][:LISTED_DIFFERENCES]
        ]
    lines += [
        f"  not adjusted: {line['store']} {line['part']} (DMS {line['theirs']}, ours "
        f"{line['ours']}): {line['reason']}"
        for line in adjustment["not_adjusted"]
    ]
    return lines


def _human(data: dict[str, Any], strict: bool = False) -> str:
    if data["status"] == "duplicate":
        note = " (--strict: not validated again)" if strict else ""
        hint = f"\n  {data['hint']}" if data.get("hint") else ""
        return (
            f"{data['document']}: already imported ({data['document_key']}) at "
            f"{data['imported_at']} as import {data['import_id']}; nothing changed{note}{hint}"
        )
    verb = "checked" if data["status"] == "checked" else "imported"
    counts = (
        f"{data['valid']} valid, {data['rejected']} rejected, {data['warnings']} warnings"
        if data["status"] == "checked"
        else f"{data['created']} created, {data['updated']} updated, {data['unchanged']} "
        f"unchanged, {data['rejected']} rejected, {data['warnings']} warnings"
        + (f", {data['ignored']} ignored" if data.get("ignored") else "")
    )
    lines = [f"{data['document']}: {verb} {data['kind']} via {data['adapter']}: {counts}"]
    lines.extend(f"  warning: {w}" for w in data["first_warnings"])
    if data["warnings"] > len(data["first_warnings"]):
        lines.append(f"  … {data['warnings'] - len(data['first_warnings'])} more warnings")
    if data.get("warnings_file"):
        lines.append(f"  every warning written to {data['warnings_file']}")
    if data.get("reject_file"):
        lines.append(f"  rejected rows written to {data['reject_file']}: fix them, import it again")
    if "comparison" in data:
        catalogue = data["catalogue"]
        lines.append(
            f"  stores {', '.join(data['stores']) or '-'}; catalogue: {catalogue['created']} "
            f"part(s) created, {catalogue['updated']} updated, {catalogue['not_in_catalogue']} "
            f"position(s) of parts not in it; {data['positions_dropped']} position(s) no "
            "longer listed dropped"
        )
        lines += ["  " + line for line in _comparison_lines(data["comparison"])]
        for adjustment in data["adjustments"] or []:
            lines += ["  " + line for line in _adjustment_lines(adjustment)]
    if data.get("acknowledgement"):
        lines.append(f"  acknowledgement written to {data['acknowledgement']}")
    return "\n".join(lines)


def _reconcile(
    feed: Any, document: Any, context: Any, period: str, strict: bool, files: Any
) -> None:
    """Rebate statements are reconciled whole (nothing stored; re-running gives the same)."""
    from fours_domain.dms.reconcile import ReconcileDocument, reconcile_statement_document

    result = reconcile_statement_document(
        state().app.uow(),
        feed,
        ReconcileDocument(document, period, context.dealers, context.default_store, strict),
        files,
    )
    match result:
        case Success(outcome):
            rejects, warnings = files.finish()
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
                "reject_file": str(rejects) if rejects else None,
                "warnings_file": str(warnings) if warnings else None,
            }
            human = (
                f"{document.name}: reconciled {outcome.lines_read} statement lines for "
                f"{report.period_key}: ours ¥{data['ours_total']}, statement "
                f"¥{data['theirs_total']}, difference ¥{data['difference']} over "
                f"{len(report.differences)} line(s); {outcome.rejected} rejected"
                + (f"\n  rejected rows written to {rejects}" if rejects else "")
            )
            emit(data, human)
        case Failure(error):
            files.discard()
            fail(error)


@dms.command("export")
@click.option("--adapter", "adapter_name", metavar="NAME", required=True)
@click.option("--kind", "kind_name", type=click.Choice(KINDS), required=True)
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path),
    metavar="FILE",
    help="Write here (default: standard output); written whole or not at all.",
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
@click.option(
    "--rejects",
    "rejects_path",
    type=click.Path(path_type=Path),
    metavar="FILE",
    help="--from: where its rejected rows go (default: next to the --from file).",
)
@click.option(
    "--output-dir",
    type=click.Path(file_okay=False, path_type=Path),
    metavar="DIR",
    help="--from: where its reject and warnings files go (default: the --from file's directory).",
)
def export_document(
    adapter_name: str,
    kind_name: str,
    output: Path | None,
    source_file: Path | None,
    from_adapter: str | None,
    mapping: str | None,
    rejects_path: Path | None,
    output_dir: Path | None,
) -> None:
    """Write KIND records as a document of adapter NAME (e.g. STAR ShowVehicleInventory).

    With --from, a document is converted; its rejected rows are reported and written to
    a reject file, and a document refused midway leaves no output file."""
    from fours_adapters.dms.discovery import as_outbound
    from fours_adapters.dms.rejects import ImportFiles, reject_suffix
    from fours_domain.dms.ports import Document, Envelope, KindNotSupported

    kind = RecordKind(kind_name)
    writer = as_outbound(_feed(adapter_name, None, {}))
    if writer is None or kind not in writer.writes():
        supported = writer.writes() if writer else frozenset()
        fail(KindNotSupported(adapter_name, kind, supported))
    if (rejects_path or from_adapter or mapping or output_dir) and source_file is None:
        _usage("--rejects, --output-dir, --from-adapter and --mapping go with --from")
    if output is not None:
        _writable(output, "document", "-o")
    files = None
    if source_file is not None:
        reader = _feed(from_adapter or adapter_name, None, {"mapping": mapping} if mapping else {})
        source = Document(str(source_file), lambda: source_file.open("rb"))
        target = rejects_path or _beside(source_file, output_dir, reject_suffix(reader))
        _writable(target, "reject file", "--rejects or --output-dir")
        warnings = _beside(source_file, output_dir, ".warnings.jsonl")
        _writable(warnings, "warnings file", "--output-dir")
        files = ImportFiles(reader, source, target, warnings)
        records: Any = _records(reader.read(source, kind), files)
    app = state().app
    envelope = Envelope(document_id=app.ids.new_id(), created_at=app.clock.now())
    partial = None if output is None else output.with_name(output.name + ".partial")
    sink: Any = sys.stdout.buffer if partial is None else partial.open("wb")
    try:
        if files is not None:
            count = writer.write(kind, records, sink, envelope)
        else:
            count, envelope = _export_ours(writer, kind, sink, envelope, adapter_name)
    except DomainError as error:
        _abandon(sink, partial, files)
        fail(error)
    except BaseException:
        _abandon(sink, partial, files)
        raise
    if partial is not None and output is not None:
        sink.close()
        partial.replace(output)
    _exported(adapter_name, kind, count, output, files, source_file, envelope)


def _export_ours(writer: Any, kind: RecordKind, sink: Any, envelope: Any, adapter: str) -> Any:
    """Write our own records of ``kind`` (e.g. the car stock of ``--store``)."""
    from fours_adapters.dms.binding import bound_sources
    from fours_domain.dms.ports import Envelope, KindNotBound
    from fours_domain.dms.services import KIND_CONTEXT

    found = bound_sources().get(kind)
    if found is None:
        fail(KindNotBound(kind, KIND_CONTEXT[kind]))
    context = _binding_context(adapter)
    ours = Envelope(
        document_id=envelope.document_id,
        created_at=envelope.created_at,
        dealer_code=_dealer_of(context),
    )
    with state().app.uow() as uow:
        return writer.write(kind, found(uow, context), sink, ours), ours


def _exported(
    adapter: str,
    kind: RecordKind,
    count: int,
    output: Path | None,
    files: Any,
    source_file: Path | None,
    envelope: Any,
) -> None:
    rejects = warnings = None
    if files is not None:
        rejects, warnings = files.finish()
    data = {
        "adapter": adapter,
        "kind": kind.value,
        "written": count,
        "rejected": files.rejected if files else 0,
        "warnings": files.warned if files else 0,
        "reject_file": str(rejects) if rejects else None,
        "warnings_file": str(warnings) if warnings else None,
        "file": str(output) if output else None,
        "document_id": envelope.document_id,
    }
    rejected = (
        f"{files.rejected} rejected rows of {source_file} written to {rejects}"
        if files is not None and files.rejected
        else ""
    )
    if output is not None:
        emit(
            data,
            f"{output}: {count} {kind.value} records written as {adapter}"
            + (f"; {rejected}" if rejected else ""),
        )
    elif rejected:
        click.echo(rejected, err=True)


def _records(items: Any, files: Any) -> Any:
    """The records of a converted document; its rejections and warnings to ``files``."""
    from fours_domain.dms.ports import FeedWarning, Located, Rejection

    for item in items:
        if isinstance(item, Located):
            yield item.record
        elif isinstance(item, Rejection):
            files.reject(item)
        elif isinstance(item, FeedWarning):
            files.warn(item)


def _abandon(sink: Any, partial: Path | None, files: Any) -> None:
    if partial is not None:
        sink.close()
        partial.unlink(missing_ok=True)
    if files is not None:
        files.discard()


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
                "ignored": e.ignored,
            }
            for e in uow.dms_imports.recent(limit)
        ]
    emit(rows)


@dms.command("positions")
@click.option("--part", metavar="PART", help="Only this part number.")
@click.option(
    "--compare",
    is_flag=True,
    help="Compare with our ledger per part (the DMS's on hand over its locations vs ours).",
)
def positions(part: str | None, compare: bool) -> None:
    """The manufacturer DMS's stock positions (of --store, or every store), as its last
    parts inventory reported them; --compare sets them against our ledger."""
    from fours_domain.dms.positions import ComparePositions, compare_positions
    from fours_domain.shared.catalogue import part_number

    st = state()
    store = st.store.strip().upper() if st.store else None
    if compare:
        match compare_positions(st.app.uow(), ComparePositions(store, part)):
            case Success(comparison):
                data = _comparison(comparison)
                emit(data, "\n".join(_comparison_lines(data)))
            case Failure(error):
                fail(error)
        return
    try:
        wanted = part_number(part) if part else None
    except DomainError as error:
        fail(error)
    with st.app.uow() as uow:
        found = uow.dms_positions.of_stores([store] if store else None, wanted)
        rows = [
            {
                "store": p.store_id,
                "part": p.part_number,
                "location": p.location,
                "on_hand": p.on_hand,
                "reserved": p.reserved,
                "on_order": p.on_order,
                "back_ordered": p.back_ordered,
                "unit_price": None if p.unit_price is None else str(p.unit_price.amount),
                "as_of": None if p.as_of is None else p.as_of.isoformat(),
                "import": p.import_id,
            }
            for p in found
        ]
    emit(rows, table(rows) if rows else "(no DMS stock positions: import a parts inventory)")


@dms.command("adjust-stock")
@click.option(
    "--warehouse",
    metavar="CODE",
    help="The warehouse to count (default: the store's only parts warehouse).",
)
@click.option(
    "--bin", "default_bin", metavar="CODE", help="The bin for parts the warehouse holds in no bin."
)
@click.option("--ref", "reference", default="", help="Stocktake reference.")
def adjust_stock(warehouse: str | None, default_bin: str | None, reference: str) -> None:
    """Post the differences between the DMS's stock positions of --store and our ledger
    as a stocktake (盘点): ledger adjustments with a variance report. Parts the warehouse
    cannot take are listed, not posted."""
    from fours_domain.dms.positions import AdjustStock, adjust_stock_to_positions

    st = state()
    store = st.require_store()
    cmd = AdjustStock(store, warehouse, default_bin, reference or "DMS stock positions")
    match adjust_stock_to_positions(st.app.uow(), cmd, st.app.clock, st.app.ids):
        case Success(adjustment):
            data = _adjustment(adjustment)
            emit(data, "\n".join(_adjustment_lines(data)))
        case Failure(error):
            fail(error)
