"""The example third-party adapter in examples/acme-json-dms: its entry point, the
conformance kit, and fours finding it installed — a ``.dist-info`` with its entry points
on the path, as pip leaves it — through ``fours dms list`` and ``fours dms import``."""

from __future__ import annotations

import importlib
import importlib.util
import io
import json
import os
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Callable, Iterator
from importlib.metadata import EntryPoint
from pathlib import Path
from types import ModuleType
from typing import Any

import attrs
import pendulum
import pytest
from click.testing import CliRunner

from fours_adapters.dms import discovery
from fours_adapters.dms.generate import vehicle_record
from fours_adapters.dms.testing import CHECKS, ConformanceCase
from fours_cli.cli import cli
from fours_domain.dms.ports import Document, Envelope, Located
from fours_domain.dms.records import ManufacturerVehicleState, RecordKind, VehicleInventoryRecord

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "acme-json-dms"


@pytest.fixture(scope="module")
def example_on_path() -> Iterator[ModuleType]:
    """Path-load the example package and its own conformance test module."""
    sys.path.insert(0, str(EXAMPLE / "src"))
    try:
        spec = importlib.util.spec_from_file_location(
            "acme_conformance", EXAMPLE / "tests" / "test_conformance.py"
        )
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.path.remove(str(EXAMPLE / "src"))
        sys.modules.pop("acme_json_dms", None)


def declared_entry_point() -> EntryPoint:
    project = tomllib.loads((EXAMPLE / "pyproject.toml").read_text(encoding="utf-8"))
    [(name, value)] = project["project"]["entry-points"]["fours.dms"].items()
    return EntryPoint(name=name, value=value, group="fours.dms")


@pytest.mark.parametrize("check", CHECKS, ids=lambda check: check.__name__)
def test_example_adapter_passes_the_conformance_kit(
    example_on_path: ModuleType, check: Callable[[ConformanceCase], None]
) -> None:
    check(example_on_path.case())


def test_fours_discovers_the_example_through_its_entry_point(
    example_on_path: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    entry = declared_entry_point()
    installed = {**discovery.discovered(), entry.name: entry}
    monkeypatch.setattr(discovery, "discovered", lambda: installed)
    feed: Any = discovery.load_adapter("acme-json", {})
    assert feed.name == "acme-json"
    assert discovery.as_outbound(feed) is feed
    with pytest.raises(discovery.AdapterProblem, match="no DMS adapter 'nope'"):
        discovery.load_adapter("nope")


def test_every_state_fours_writes_reads_back(example_on_path: ModuleType) -> None:
    feed = example_on_path.AcmeJsonFeed()
    records = [
        attrs.evolve(vehicle_record(i + 1), state=state, manufacturer_state=state.value)
        for i, state in enumerate(ManufacturerVehicleState)
    ]
    sink = io.BytesIO()
    envelope = Envelope("ACME-RT", pendulum.datetime(2026, 1, 1, tz="UTC"))
    assert feed.write(RecordKind.VEHICLE_INVENTORY, records, sink, envelope) == len(records)
    document = Document("back.jsonl", lambda: io.BytesIO(sink.getvalue()))
    back = list(feed.read(document, RecordKind.VEHICLE_INVENTORY))
    read = [i.record for i in back if isinstance(i, Located)]
    assert [r.state for r in read if isinstance(r, VehicleInventoryRecord)] == list(
        ManufacturerVehicleState
    )


@pytest.fixture
def installed(tmp_path: Path) -> Iterator[Path]:
    """The example installed as pip would: its package and a ``.dist-info`` with the
    ``entry_points.txt`` of its pyproject, in a site directory on ``sys.path``."""
    site = tmp_path / "site-packages"
    shutil.copytree(EXAMPLE / "src" / "acme_json_dms", site / "acme_json_dms")
    project = tomllib.loads((EXAMPLE / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    info = site / f"{project['name'].replace('-', '_')}-{project['version']}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {project['name']}\nVersion: {project['version']}\n",
        encoding="utf-8",
    )
    groups = project["entry-points"]
    (info / "entry_points.txt").write_text(
        "".join(
            f"[{group}]\n" + "".join(f"{name} = {value}\n" for name, value in points.items())
            for group, points in groups.items()
        ),
        encoding="utf-8",
    )
    sys.path.insert(0, str(site))
    importlib.invalidate_caches()
    try:
        yield site
    finally:
        sys.path.remove(str(site))
        sys.modules.pop("acme_json_dms", None)
        importlib.invalidate_caches()


def test_the_installed_example_is_listed_and_imports_through_the_cli(
    installed: Path, tmp_path: Path
) -> None:
    assert "acme-json" in discovery.discovered()
    db = f"sqlite:///{tmp_path / 'acme.db'}"

    def run(*args: str) -> Any:
        result = CliRunner().invoke(cli, ["--db", db, "--json", *args], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return json.loads(result.output)

    listed = {a["adapter"]: a for a in run("dms", "list")["adapters"]}
    assert listed["acme-json"]["module"] == "acme_json_dms:factory"
    assert (
        listed["acme-json"]["reads"] == ["vehicle-inventory"] and not listed["acme-json"]["problem"]
    )
    for args in (
        ["db", "upgrade"],
        ["org", "init", "ACME", "Acme"],
        ["org", "add-region", "EAST", "East"],
        ["org", "add-brand", "ACME", "Acme", "--manufacturer", "Acme Motors"],
        ["org", "add-store", "SH01", "Shanghai", "--region", "EAST", "--brand", "ACME"],
    ):
        run(*args)
    notice = tmp_path / "notice.jsonl"
    notice.write_text(
        '{"type": "header", "document_id": "ACME-1", "dealer": "ACME-SH-01"}\n'
        '{"type": "vehicle", "vin": "LFV3A28K4T3000001", "model": "ROADSTER", "status": '
        '"in_stock", "invoice_price": "259000.00"}\n'
        '{"type": "vehicle", "vin": "NOT-A-VIN", "model": "ROADSTER", "status": "shipped"}\n',
        encoding="utf-8",
    )
    summary = run(
        "--store", "SH01", "dms", "import", "--adapter", "acme-json",
        "--kind", "vehicle-inventory", str(notice),
    )  # fmt: skip
    assert (summary["created"], summary["rejected"]) == (1, 1)
    [rejected] = [
        json.loads(line) for line in Path(summary["reject_file"]).read_text().splitlines()
    ]
    assert rejected["field"] == "vin" and json.loads(rejected["raw"])["vin"] == "NOT-A-VIN"
    # fours' own stock, with a reserved car, exported in Acme's format reads back.
    run("--store", "SH01", "vehicles", "reserve", "LFV3A28K4T3000001", "--customer", "C-1",
        "--by", "S-1")  # fmt: skip
    out = tmp_path / "stock.jsonl"
    run("--store", "SH01", "dms", "export", "--adapter", "acme-json", "--kind",
        "vehicle-inventory", "-o", str(out))  # fmt: skip
    assert '"status": "reserved"' in out.read_text(encoding="utf-8")
    checked = run("--store", "SH01", "dms", "import", "--adapter", "acme-json", "--kind",
                  "vehicle-inventory", "--check", str(out))  # fmt: skip
    assert (checked["valid"], checked["rejected"]) == (1, 0)


def test_a_separate_fours_process_finds_the_installed_example(installed: Path) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(installed), *sys.path])}
    done = subprocess.run(
        [
            str(Path(sys.executable).with_name("fours")),
            "--db",
            "sqlite://",
            "--json",
            "dms",
            "list",
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "acme-json" in {a["adapter"] for a in json.loads(done.stdout)["adapters"]}
