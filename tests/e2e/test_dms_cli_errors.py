"""``fours dms``: bad input, bad configuration, broken plugins and unwritable outputs give
one clear line (a JSON error with ``--json``), a non-zero exit and nothing half-applied;
the files an import writes are complete (every warning, a re-importable STAR reject
document, an acknowledgement quoting the original)."""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from lxml import etree

from fours_adapters.dms.generate import star_vehicle_inventory
from fours_cli.cli import cli

NS = {"s": "http://www.starstandard.org/STAR/5", "oa": "http://www.openapplications.org/oagis/9"}


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    for args in (
        ["db", "upgrade"],
        ["org", "init", "ACME", "Acme"],
        ["org", "add-region", "EAST", "East"],
        ["org", "add-brand", "AUDI", "Audi", "--manufacturer", "FAW-VW"],
        ["org", "add-store", "SH01", "Shanghai", "--region", "EAST", "--brand", "AUDI"],
    ):
        assert run(url, *args).exit_code == 0, args
    return url


def run(db: str, *args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, ["--db", db, *args], catch_exceptions=False, env=env)


def one_line(result: Result, code: int = 1) -> str:
    assert result.exit_code == code, result.output
    assert result.output.startswith("Error: ") and result.output.count("\n") == 1, result.output
    return result.output


def json_error(result: Result, code: int = 1) -> dict[str, Any]:
    assert result.exit_code == code, result.output
    data: dict[str, Any] = json.loads(result.output)
    assert set(data) >= {"error", "message"}
    return data


def history(db: str) -> list[Any]:
    data: list[Any] = json.loads(run(db, "--json", "dms", "history").output)
    return data


def notice(tmp_path: Path, count: int = 3, bodid: str = "FAW-N-1", bad: bool = False) -> Path:
    data = b"".join(star_vehicle_inventory(count, bodid=bodid))
    if bad:
        data = data.replace(b"<VehicleStatusCode>IN_TRANSIT", b"<VehicleStatusCode>??", 1)
    path = tmp_path / f"{bodid}.xml"
    path.write_bytes(data)
    return path


IMPORT = ("--store", "SH01", "dms", "import", "--adapter", "star", "--kind", "vehicle-inventory")


# ------------------------------------------------------------------ outputs checked first


@pytest.mark.parametrize("option", ["--ack", "--rejects", "--warnings"])
def test_an_output_in_a_missing_directory_is_refused_before_importing(
    db: str, tmp_path: Path, option: str
) -> None:
    path = notice(tmp_path)
    line = one_line(run(db, *IMPORT, option, "/nonexistent/dir/out.x", str(path)))
    assert "/nonexistent/dir does not exist" in line and option in line
    error = json_error(run(db, "--json", *IMPORT, option, "/nonexistent/dir/out.x", str(path)))
    assert error["error"] == "dms_output"
    assert history(db) == []  # nothing was imported


def test_an_unwritable_input_directory_is_refused_and_output_dir_takes_the_files(
    db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    inbox = tmp_path / "inbox"  # a read-only share the DMS drops its files on
    inbox.mkdir()
    path = notice(inbox, bad=True)
    allowed = os.access
    monkeypatch.setattr(
        "fours_cli.commands.dms.os.access",
        lambda target, mode: Path(target) != inbox and allowed(target, mode),
    )  # the tests run as root, who may write anywhere
    line = one_line(run(db, *IMPORT, str(path)))
    assert f"cannot write the reject file to {path}.rejects.xml: not writable" in line
    assert "--output-dir" in line and history(db) == []
    out = tmp_path / "out"
    out.mkdir()
    summary = json.loads(run(db, "--json", *IMPORT, "--output-dir", str(out), str(path)).output)
    assert summary["status"] == "applied" and summary["rejected"] == 1
    assert summary["reject_file"] == str(out / "FAW-N-1.xml.rejects.xml")
    assert sorted(p.name for p in inbox.iterdir()) == ["FAW-N-1.xml"]
    missing = one_line(run(db, *IMPORT, "--output-dir", str(tmp_path / "nope"), str(path)))
    assert f"directory {tmp_path / 'nope'} does not exist" in missing


def test_ack_is_refused_up_front_for_what_it_cannot_answer(db: str, tmp_path: Path) -> None:
    source = tmp_path / "p.csv"
    source.write_text("part_number,name\nA-1,x\n", encoding="utf-8")
    refused = run(
        db, "dms", "import", "--adapter", "csv", "--kind", "part-prices",
        "--ack", str(tmp_path / "ack.xml"), str(source),
    )  # fmt: skip
    assert "--ack answers STAR documents" in one_line(refused, code=2)
    assert history(db) == []


def test_export_to_a_missing_directory_is_one_line(db: str) -> None:
    result = run(
        db, "dms", "export", "--adapter", "star", "--kind", "vehicle-inventory",
        "-o", "/nonexistent/dir/x.xml",
    )  # fmt: skip
    assert "/nonexistent/dir does not exist" in one_line(result)


# ------------------------------------------------------------------ configuration


def test_a_star_folder_without_schemas_is_a_warning_when_lenient_a_refusal_when_strict(
    db: str, tmp_path: Path
) -> None:
    env = {"FOURS_STAR_DIR": str(tmp_path)}
    path = notice(tmp_path)
    lenient = run(db, "--json", *IMPORT, str(path), env=env)
    assert lenient.exit_code == 0, lenient.output
    summary = json.loads(lenient.output)
    assert summary["created"] == 3
    assert "schema deviations not checked" in summary["first_warnings"][0]
    assert "has no BODs/Developer/ShowVehicleInventory.xsd" in summary["first_warnings"][0]
    strict = run(db, *IMPORT, "--strict", str(notice(tmp_path, bodid="FAW-N-2")), env=env)
    assert "--strict needs the STAR schemas" in one_line(strict)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "cannot read DMS configuration"),
        ("[brands.AUDI\nadapter=", "cannot read DMS configuration"),
        ('[brands.AUDI]\nmapping = "x"\n', 'needs adapter = "name"'),
        ('[brands.AUDI]\nadapter = "nope"\n', "no DMS adapter 'nope' is installed"),
        ('[brands.AUDI]\nadapter = "csv"\nmapping = "nope"\n', "refused its options"),
        ('[brands.AUDI]\nadapter = "star"\n[dealers]\n"X" = 1\n', "[dealers] must map dealer"),
    ],
)
def test_a_broken_dms_configuration_is_one_line(
    db: str, tmp_path: Path, content: str | None, expected: str
) -> None:
    config = tmp_path / "dms.toml"
    if content is not None:
        config.write_text(content, encoding="utf-8")
    path = notice(tmp_path)
    args = ("dms", "import", "--brand", "AUDI", "--kind", "vehicle-inventory", str(path))
    env = {"FOURS_DMS_CONFIG": str(config)}
    assert expected in one_line(run(db, *args, env=env))
    assert json_error(run(db, "--json", *args, env=env))["error"] == "dms_adapter"
    assert history(db) == []


def test_brand_without_configuration_is_a_usage_error(db: str, tmp_path: Path) -> None:
    args = ("dms", "import", "--brand", "AUDI", "--kind", "vehicle-inventory")
    line = one_line(run(db, *args, str(notice(tmp_path))))
    assert "set FOURS_DMS_CONFIG" in line


def test_a_database_without_the_schema_is_one_line(tmp_path: Path) -> None:
    empty = f"sqlite:///{tmp_path / 'empty.db'}"
    result = run(empty, *IMPORT, str(notice(tmp_path)))
    assert "no fours schema yet" in one_line(result, code=3)  # exit 3: database (ADR 0007)


# ------------------------------------------------------------------ broken plugins

PLUGINS = {
    "broken-factory": "def factory(options):\n    raise KeyError('region')\n",
    "broken-import": "raise RuntimeError('missing licence file')\n",
    "broken-reader": ("from acme_like import Feed\ndef factory(options):\n    return Feed()\n"),
}
ACME_LIKE = """
import hashlib
from fours_domain.dms.ports import DocumentIdentity
from fours_domain.dms.records import RecordKind


class Feed:
    name = "broken-reader"

    def reads(self):
        return frozenset({RecordKind.VEHICLE_INVENTORY})

    def identify(self, document, kind):
        with document.open() as stream:
            return DocumentIdentity("x", hashlib.sha256(stream.read()).hexdigest())

    def read(self, document, kind, *, strict=False):
        yield from ()
        raise KeyError("vin")
"""


@pytest.fixture
def plugins(tmp_path: Path) -> Iterator[Path]:
    """Three broken third-party adapters installed (a dist-info with entry points)."""
    site = tmp_path / "site"
    info = site / "broken_dms-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: broken-dms\nVersion: 1.0\n")
    points = "".join(f"{name} = {name.replace('-', '_')}:factory\n" for name in PLUGINS)
    (info / "entry_points.txt").write_text("[fours.dms]\n" + points)
    for name, code in PLUGINS.items():
        (site / f"{name.replace('-', '_')}.py").write_text(code)
    (site / "acme_like.py").write_text(ACME_LIKE)
    sys.path.insert(0, str(site))
    importlib.invalidate_caches()
    try:
        yield site
    finally:
        sys.path.remove(str(site))
        for module in ("broken_factory", "broken_import", "broken_reader", "acme_like"):
            sys.modules.pop(module, None)
        importlib.invalidate_caches()


def test_list_shows_broken_plugins_and_the_others(db: str, plugins: Path) -> None:
    result = run(db, "--json", "dms", "list")
    assert result.exit_code == 0, result.output
    adapters = {a["adapter"]: a for a in json.loads(result.output)["adapters"]}
    assert adapters["star"]["problem"] is None and adapters["csv"]["reads"]
    assert "failed to start: KeyError: 'region'" in adapters["broken-factory"]["problem"]
    assert (
        "cannot be loaded: RuntimeError: missing licence file"
        in (adapters["broken-import"]["problem"])
    )
    human = run(db, "dms", "list")
    assert human.exit_code == 0 and "broken-factory BROKEN: DMS adapter 'broken-factory'" in (
        human.output
    )


@pytest.mark.parametrize(
    ("adapter", "expected"),
    [
        ("broken-factory", "DMS adapter 'broken-factory' (broken_factory:factory) failed"),
        ("broken-import", "DMS adapter 'broken-import' (broken_import:factory) cannot be"),
        ("broken-reader", "DMS adapter 'broken-reader' failed on"),
    ],
)
def test_a_broken_plugin_fails_an_import_in_one_line(
    db: str, plugins: Path, tmp_path: Path, adapter: str, expected: str
) -> None:
    args = ("dms", "import", "--adapter", adapter, "--kind", "vehicle-inventory")
    assert expected in one_line(run(db, *args, str(notice(tmp_path))))
    assert json_error(run(db, "--json", *args, str(notice(tmp_path))))["error"] == "dms_adapter"
    assert history(db) == []


# ------------------------------------------------------------------ the journal


def test_a_reused_bodid_with_other_content_is_refused_naming_both_hashes(
    db: str, tmp_path: Path
) -> None:
    first = notice(tmp_path, 2, bodid="FAW-N-5")
    assert run(db, *IMPORT, str(first)).exit_code == 0
    changed = tmp_path / "changed.xml"
    changed.write_bytes(first.read_bytes().replace(b"PO-0000001", b"PO-0000009"))
    line = one_line(run(db, *IMPORT, str(changed)))
    [entry] = history(db)
    assert "BODID:FAW-N-5 was imported at" in line and entry["imported_at"] in line
    error = json_error(run(db, "--json", *IMPORT, str(changed)))
    assert error["error"] == "document_changed"
    assert error["first_sha256"] != error["sha256"] and error["first_sha256"] in error["message"]
    assert error["sha256"] in error["message"]
    again = run(db, *IMPORT, "--strict", str(first))
    assert "nothing changed (--strict: not validated again)" in again.output


# ------------------------------------------------------------------ files an import writes


def test_every_warning_of_the_official_example_is_written(
    db: str, tmp_path: Path, star_dir: Path
) -> None:
    example = star_dir / "BODExamples" / "ProcessVehicleInventory.xml"
    warnings = tmp_path / "w.jsonl"
    result = run(
        db, "--json", *IMPORT, "--warnings", str(warnings), "--rejects", str(tmp_path / "r.xml"),
        str(example), env={"FOURS_STAR_DIR": str(star_dir)},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["rejected"] == 0 and summary["reject_file"] is None
    assert summary["warnings"] == 11 and len(summary["first_warnings"]) == 5
    assert summary["warnings_file"] == str(warnings)
    lines = [json.loads(line) for line in warnings.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 11
    assert sum("schema deviation" in line["message"] for line in lines) == 10
    assert not (tmp_path / "r.xml").exists() and not list(tmp_path.glob("*.partial"))


def test_rejected_cars_come_back_as_a_star_document_to_fix_and_import(
    db: str, tmp_path: Path, star_dir: Path
) -> None:
    path = notice(tmp_path, 3, bodid="FAW-N-8", bad=True)
    ack = tmp_path / "ack.xml"
    summary = json.loads(run(db, "--json", *IMPORT, "--ack", str(ack), str(path)).output)
    assert (summary["created"], summary["rejected"]) == (2, 1)
    rejects = Path(summary["reject_file"])
    assert rejects.name == "FAW-N-8.xml.rejects.xml"
    document = etree.parse(str(rejects))
    assert document.findtext(".//s:ApplicationArea/s:BODID", namespaces=NS) == "FAW-N-8-R1"
    assert len(document.findall(".//s:VehicleInventoryVehicleLineItem", NS)) == 1
    assert "unknown vehicle status code '??'" in rejects.read_text(encoding="utf-8")
    # The acknowledgement: partly applied is "Modified", the rejected car named.
    answer = etree.parse(str(ack))
    schema = etree.XMLSchema(
        etree.parse(str(star_dir / "BODs/Developer/AcknowledgeVehicleInventory.xsd"))
    )
    assert schema.validate(answer), schema.error_log
    expressions = answer.findall(".//oa:ResponseExpression", NS)
    assert [e.get("actionCode") for e in expressions] == ["Modified", "Rejected"]
    assert str(expressions[1].text).endswith("Invoice[1]/VehicleInventoryVehicleLineItem[1]")
    assert answer.findtext(".//s:OriginalApplicationArea/s:BODID", namespaces=NS) == "FAW-N-8"
    # Fixed and imported again: a new document, the one car applied.
    fixed = tmp_path / "fixed.xml"
    fixed.write_bytes(rejects.read_bytes().replace(b">??<", b">IN_TRANSIT<"))
    again = json.loads(run(db, "--json", *IMPORT, str(fixed)).output)
    assert (again["created"], again["rejected"]) == (1, 0)
    assert [h["key"] for h in history(db)] == ["BODID:FAW-N-8-R1", "BODID:FAW-N-8"]


def test_export_from_a_refused_source_leaves_no_file_and_reports_rejections(
    db: str, tmp_path: Path
) -> None:
    source = tmp_path / "notice.csv"
    rows = [
        "LFV3A28K4T3000001,AUDI,A6L,IN_TRANSIT",
        "NOT-A-VIN,AUDI,A6L,IN_TRANSIT",
        "LFV3A28K6T3000002,AUDI,A6L,TELEPORTED",
        "LFV3A28K8T3000003,AUDI,A6L,IN_TRANSIT",
        "LFV3A28KXT3000004,AUDI,#,IN_TRANSIT",
        "LFV3A28K1T3000005,AUDI,A6L,IN_TRANSIT",
    ]
    source.write_bytes(("vin,brand,model,state\n" + "\n".join(rows) + "\n").encode("gbk"))
    out = tmp_path / "show.xml"
    args = ("dms", "export", "--adapter", "star", "--kind", "vehicle-inventory",
            "--from", str(source), "--from-adapter", "csv")  # fmt: skip
    data = json.loads(run(db, "--json", *args, "-o", str(out)).output)
    assert (data["written"], data["rejected"]) == (3, 3)
    rejected = Path(data["reject_file"]).read_text(encoding="utf-8-sig").splitlines()
    assert [row.split(",")[0] for row in rejected[1:]] == [
        "NOT-A-VIN",
        "LFV3A28K6T3000002",
        "LFV3A28KXT3000004",
    ]
    broken = tmp_path / "broken.csv"
    broken.write_bytes(source.read_bytes() + b"LFV3A28K3T3000006,AUDI,A6L,\xff\xfe\n")
    refused = tmp_path / "refused.xml"
    assert "cannot be decoded" in one_line(
        run(db, *args[:-4], "--from", str(broken), "--from-adapter", "csv", "-o", str(refused))
    )
    assert not refused.exists() and not list(tmp_path.glob("*.partial"))


def test_export_from_puts_its_reject_file_in_the_output_dir(db: str, tmp_path: Path) -> None:
    source = tmp_path / "in" / "notice.csv"
    source.parent.mkdir()
    source.write_text("vin,brand,model,state\nNOT-A-VIN,AUDI,A6L,IN_TRANSIT\n", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    show = str(out / "show.xml")
    args = ("dms", "export", "--adapter", "star", "--kind", "vehicle-inventory",
            "--from", str(source), "--from-adapter", "csv", "-o", show)  # fmt: skip
    data = json.loads(run(db, "--json", *args, "--output-dir", str(out)).output)
    assert data["reject_file"] == str(out / "notice.csv.rejects.csv")
    assert sorted(p.name for p in source.parent.iterdir()) == ["notice.csv"]
    usage = run(db, "dms", "export", "--adapter", "star", "--kind", "vehicle-inventory",
                "--output-dir", str(out))  # fmt: skip
    assert "--output-dir" in one_line(usage, code=2)


# ------------------------------------------------------------------ hostile XML (ADR 0077)


@pytest.mark.parametrize("options", [(), ("--strict",), ("--ack", "ACK")], ids=str)
def test_a_document_with_a_doctype_is_refused_in_one_line_naming_file_and_line(
    db: str, tmp_path: Path, star_dir: Path, options: tuple[str, ...]
) -> None:
    from fours_adapters.dms.testing import hostile_xml

    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    sample = b"".join(star_vehicle_inventory(2, bodid="FAW-X-1"))
    args = [str(tmp_path / "ack.xml") if o == "ACK" else o for o in options]
    for label, data in hostile_xml(sample, str(secret)):
        path = tmp_path / "hostile.xml"
        path.write_bytes(data)
        env = {"FOURS_STAR_DIR": str(star_dir)}
        human = one_line(run(db, *IMPORT, *args, str(path), env=env))
        assert f"{path}: line 2: the document carries a DOCTYPE" in human, label
        error = json_error(run(db, "--json", *IMPORT, *args, str(path), env=env))
        assert error["message"].startswith(f"{path}: line 2: "), label
        assert "TOP-SECRET" not in human + error["message"]
    assert history(db) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cli.db", "hostile.xml", "secret.txt"]
