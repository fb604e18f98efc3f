"""``fours dms`` end to end through the CLI."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import attrs
import pendulum
import pytest
from click.testing import CliRunner, Result
from lxml import etree

from fours_adapters.dms.generate import parts_price_csv, star_vehicle_inventory, vehicle_record
from fours_adapters.dms.star import StarFeed
from fours_adapters.dms.star.outbound import write_show_vehicle_inventory
from fours_cli.cli import cli
from fours_domain.dms.ports import Document, Envelope, Located
from fours_domain.dms.records import RecordKind, VehicleInventoryRecord
from fours_domain.shared.money import cny


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert run(url, "db", "upgrade").exit_code == 0
    return url


def run(db: str, *args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, ["--db", db, *args], catch_exceptions=False, env=env)


def test_list_shows_the_reference_adapters_and_bound_kinds(db: str) -> None:
    result = run(db, "--json", "dms", "list")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    adapters = {a["adapter"]: a for a in data["adapters"]}
    assert adapters["star"]["writes"] == ["vehicle-inventory"]
    assert "part-prices" in adapters["csv"]["reads"]
    assert isinstance(data["bound_kinds"], list)
    assert "star" in run(db, "dms", "list").output


def test_check_a_gbk_price_file_writes_a_refeedable_reject_file(db: str, tmp_path: Path) -> None:
    text = (
        "配件编号,配件名称,品牌,零售价,经销商价,单位,生效日期\n"
        "4H0-698-151,前刹车片,AUDI,1299.50,980.00,套,2026-11-01\n"
        "BAD ##,机油滤清器,AUDI,88,70,个,2026-11-01\n"
    )
    source = tmp_path / "价格.csv"
    source.write_bytes(text.encode("gbk"))
    result = run(
        db, "--json", "dms", "import", "--adapter", "csv", "--mapping", "cn-oem",
        "--kind", "part-prices", "--check", str(source),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["status"], data["valid"], data["rejected"]) == ("checked", 1, 1)
    rejects = Path(data["reject_file"])
    rows = list(csv.reader(rejects.read_text(encoding="utf-8-sig").splitlines()))
    assert rows[1][0] == "BAD ##" and "part number" in rows[1][-2]
    human = run(
        db, "dms", "import", "--adapter", "csv", "--mapping", "cn-oem",
        "--kind", "part-prices", "--check", str(source),
    )  # fmt: skip
    assert "checked part-prices via csv: 1 valid, 1 rejected" in human.output


def test_a_malformed_star_document_is_refused_in_one_line(db: str, tmp_path: Path) -> None:
    source = tmp_path / "notice.xml"
    source.write_bytes(b"".join(star_vehicle_inventory(2))[:-40])
    result = run(
        db, "dms", "import", "--adapter", "star", "--kind", "vehicle-inventory", "--check",
        str(source),
    )  # fmt: skip
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and result.output.count("\n") == 1
    assert "not well-formed XML" in result.output


def test_order_status_updates_move_known_cars_and_reject_the_rest(db: str, tmp_path: Path) -> None:
    for args in (
        ["org", "init", "ACME", "Acme"],
        ["org", "add-region", "EAST", "East"],
        ["org", "add-brand", "AUDI", "Audi", "--manufacturer", "FAW-VW"],
        ["org", "add-store", "SH01", "Shanghai", "--region", "EAST", "--brand", "AUDI"],
    ):
        assert run(db, *args).exit_code == 0, args
    notice = tmp_path / "notice.csv"
    notice.write_text(
        "vin,brand,model,state,order_number\nLFV3A28K4T3000001,AUDI,A6L,ON_ORDER,PO-1\n",
        encoding="utf-8",
    )
    assert run(
        db, "--store", "SH01", "dms", "import", "--adapter", "csv", "--kind", "vehicle-inventory",
        str(notice),
    ).exit_code == 0  # fmt: skip
    status = tmp_path / "order-status.csv"
    status.write_text(
        "order_number,state,vin,eta\n"
        "PO-1,IN_TRANSIT,LFV3A28K4T3000001,2026-12-05\n"
        "PO-2,IN_TRANSIT,,2026-12-09\n"
        "PO-3,IN_TRANSIT,LFV3A28K4T3000002,2026-12-09\n",
        encoding="utf-8",
    )
    result = run(
        db, "--json", "--store", "SH01", "dms", "import", "--adapter", "csv", "--kind",
        "vehicle-order-status", str(status),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert (summary["updated"], summary["rejected"]) == (1, 2)
    rejects = Path(summary["reject_file"]).read_text(encoding="utf-8-sig")
    assert "order PO-2 names no VIN" in rejects
    assert "no car with VIN LFV3A28K4T3000002" in rejects
    in_transit = json.loads(run(db, "--json", "vehicles", "find", "--state", "in_transit").output)
    assert [car["vin"] for car in in_transit] == ["LFV3A28K4T3000001"]


def test_export_converts_a_csv_notice_to_a_valid_star_show(
    db: str, tmp_path: Path, star_dir: Path
) -> None:
    source = tmp_path / "notice.csv"
    source.write_text(
        "vin,brand,model,state,eta,invoice_price\n"
        "LFV3A28K4T3000001,AUDI,A6L,IN_TRANSIT,2026-12-01,399800.00\n",
        encoding="utf-8",
    )
    out = tmp_path / "show.xml"
    result = run(
        db, "--json", "dms", "export", "--adapter", "star", "--kind", "vehicle-inventory",
        "--from", str(source), "--from-adapter", "csv", "-o", str(out),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["written"] == 1
    schema = etree.XMLSchema(etree.parse(str(star_dir / "BODs/Developer/ShowVehicleInventory.xsd")))
    assert schema.validate(etree.parse(str(out))), schema.error_log
    again = run(
        db, "--json", "dms", "import", "--adapter", "star", "--kind", "vehicle-inventory",
        "--check", "--strict", str(out), env={"FOURS_STAR_DIR": str(star_dir)},
    )  # fmt: skip
    assert json.loads(again.output)["valid"] == 1


def test_brand_routes_come_from_the_dms_config(db: str, tmp_path: Path) -> None:
    config = tmp_path / "dms.toml"
    config.write_text('[brands.AUDI]\nadapter = "csv"\nmapping = "generic"\n', encoding="utf-8")
    source = tmp_path / "p.csv"
    source.write_bytes(b"".join(parts_price_csv(3)))
    result = run(
        db, "--json", "dms", "import", "--brand", "audi", "--kind", "part-prices", "--check",
        str(source), env={"FOURS_DMS_CONFIG": str(config)},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["valid"] == 3
    missing = run(
        db, "dms", "import", "--brand", "byd", "--kind", "part-prices", "--check", str(source),
        env={"FOURS_DMS_CONFIG": str(config)},
    )  # fmt: skip
    assert missing.exit_code == 1 and "no route for brand BYD" in missing.output


def test_unknown_adapter_is_a_clean_error(db: str, tmp_path: Path) -> None:
    source = tmp_path / "p.csv"
    source.write_text("x\n")
    result = run(db, "dms", "import", "--adapter", "nope", "--kind", "part-prices", str(source))
    assert result.exit_code == 1
    assert result.output.startswith("Error: no DMS adapter 'nope' is installed")


def test_history_lists_the_journal(db: str) -> None:
    result = run(db, "--json", "dms", "history")
    assert result.exit_code == 0 and json.loads(result.output) == []


def test_a_dispatch_notice_through_the_cli_acknowledged_and_reported_back(
    db: str, tmp_path: Path, star_dir: Path
) -> None:
    _audi_store(db)
    notice = tmp_path / "notice.xml"
    notice.write_bytes(b"".join(star_vehicle_inventory(4, bodid="FAW-N-1")))
    ack = tmp_path / "ack.xml"
    env = {"FOURS_STAR_DIR": str(star_dir)}
    imported = json.loads(
        run(
            db, "--json", "--store", "SH-AUDI-01", "dms", "import", "--adapter", "star",
            "--kind", "vehicle-inventory", "--strict", "--ack", str(ack), str(notice), env=env,
        ).output
    )  # fmt: skip
    assert (imported["status"], imported["created"]) == ("applied", 4)
    ack_schema = etree.XMLSchema(
        etree.parse(str(star_dir / "BODs/Developer/AcknowledgeVehicleInventory.xsd"))
    )
    assert ack_schema.validate(etree.parse(str(ack))), ack_schema.error_log
    assert b"FAW-N-1" in ack.read_bytes()
    again = run(
        db, "dms", "import", "--adapter", "star", "--kind", "vehicle-inventory", str(notice)
    )
    assert "already imported (BODID:FAW-N-1)" in again.output and "nothing changed" in again.output
    history = json.loads(run(db, "--json", "dms", "history").output)
    assert [h["key"] for h in history] == ["BODID:FAW-N-1"]
    cars = json.loads(
        run(
            db, "--json", "--store", "SH-AUDI-01", "vehicles", "find", "--state", "in_transit"
        ).output
    )
    assert len(cars) == 4
    report = tmp_path / "stock.xml"
    exported = run(
        db, "--json", "--store", "SH-AUDI-01", "dms", "export", "--adapter", "star",
        "--kind", "vehicle-inventory", "-o", str(report),
    )  # fmt: skip
    assert exported.exit_code == 0, exported.output
    assert json.loads(exported.output)["written"] == 4
    show = etree.XMLSchema(etree.parse(str(star_dir / "BODs/Developer/ShowVehicleInventory.xsd")))
    assert show.validate(etree.parse(str(report))), show.error_log
    # The four cars in transit, with everything the dispatch notice said of them.
    items = StarFeed(star_dir).read(
        Document(str(report), lambda: report.open("rb")), RecordKind.VEHICLE_INVENTORY
    )
    reported = [i.record for i in items if isinstance(i, Located)]
    assert reported == [
        attrs.evolve(vehicle_record(serial), dealer_code="SH-AUDI-01") for serial in range(1, 5)
    ]
    first = reported[0]
    assert isinstance(first, VehicleInventoryRecord)
    assert first.invoice_tax is not None and first.carrier == "中铁特货"


def _audi_store(db: str) -> None:
    for args in (
        ["org", "init", "ACME", "Acme"],
        ["org", "add-region", "EAST", "East"],
        ["org", "add-brand", "AUDI", "Audi", "--manufacturer", "FAW-VW"],
        ["org", "add-store", "SH-AUDI-01", "Shanghai", "--region", "EAST", "--brand", "AUDI"],
    ):
        assert run(db, *args).exit_code == 0


def test_a_notice_keeps_the_invoice_and_refuses_a_tax_no_vat_rate_explains(
    db: str, tmp_path: Path
) -> None:
    """What the manufacturer invoiced is stored as sent; a tax that contradicts the price
    (¥1,000.00 on ¥398,000.00) rejects that car, named by its STAR element."""
    _audi_store(db)
    good = attrs.evolve(
        vehicle_record(1),
        invoice_price=cny("398000.00"),
        invoice_tax=cny("45787.61"),
        colour_name="冰川白",
        allocation_number="FP-2026-0042",
    )
    older = attrs.evolve(  # invoiced at 16 % (May 2018 – March 2019)
        vehicle_record(2), invoice_price=cny("348000.00"), invoice_tax=cny("48000.00")
    )
    wrong = attrs.evolve(vehicle_record(3), invoice_price=cny("398000.00"), invoice_tax=None)
    sink = io.BytesIO()
    envelope = Envelope("FAW-N-7", pendulum.datetime(2026, 11, 25, tz="UTC"), "FAW-0101")
    write_show_vehicle_inventory([good, older, wrong], sink, envelope)
    # car 3: a tax the manufacturer got wrong, placed where STAR puts it
    marker = b"<VehicleStatusCode>IN_TRANSIT</VehicleStatusCode>"
    head, _, tail = sink.getvalue().rpartition(marker)
    notice = tmp_path / "notice.xml"
    notice.write_bytes(
        head
        + b'<Tax><TaxTypeCode>Total</TaxTypeCode><TaxAmount currencyID="CNY">1000.00'
        + b"</TaxAmount></Tax>"
        + marker
        + tail
    )
    imported = run(
        db, "--json", "--store", "SH-AUDI-01", "dms", "import", "--adapter", "star",
        "--kind", "vehicle-inventory", str(notice),
    )  # fmt: skip
    assert imported.exit_code == 0, imported.output
    summary = json.loads(imported.output)
    assert (summary["created"], summary["rejected"]) == (2, 1)
    # A STAR notice's reject file is itself a STAR notice: the rejected car, its reason in a
    # comment just before it (ADR 0064), ready to be fixed and imported again.
    rejected = etree.parse(summary["reject_file"])
    [item] = rejected.findall(".//{*}VehicleInventoryVehicleLineItem")
    assert item.findtext(".//{*}VehicleID") == vehicle_record(3).vin.value
    comment = item.getprevious()
    assert comment is not None and comment.text is not None
    assert comment.text.strip() == (
        f"rejected: VIN {vehicle_record(3).vin}: invoice tax 1000.00 on a price of 398000.00 "
        "matches no VAT rate (VAT 13% would be 45787.61) [Tax/TaxAmount]"
    )
    shown = json.loads(run(db, "--json", "vehicles", "show", vehicle_record(1).vin.value).output)
    assert {k: shown[k] for k in ("invoice_price", "vat", "vat_rate", "invoice_number")} == {
        "invoice_price": "398000.00",
        "vat": "45787.61",
        "vat_rate": "13%",
        "invoice_number": "INV-0000001",
    }
    assert (shown["colour_name"], shown["allocation_number"]) == ("冰川白", "FP-2026-0042")
    older_car = json.loads(
        run(db, "--json", "vehicles", "show", vehicle_record(2).vin.value).output
    )
    assert (older_car["vat_rate"], older_car["vat"]) == ("16%", "48000.00")


def test_what_a_notice_could_not_do_is_a_warning_in_the_summary_and_the_file(
    db: str, tmp_path: Path
) -> None:
    _audi_store(db)
    first = tmp_path / "n1.xml"
    first.write_bytes(b"".join(star_vehicle_inventory(2, bodid="N-1")))
    assert run(db, "--store", "SH-AUDI-01", "dms", "import", "--adapter", "star",
               "--kind", "vehicle-inventory", str(first)).exit_code == 0  # fmt: skip
    for vin in (vehicle_record(1).vin.value, vehicle_record(2).vin.value):
        assert run(db, "--store", "SH-AUDI-01", "vehicles", "arrive", vin).exit_code == 0
    again = tmp_path / "n2.xml"
    again.write_bytes(b"".join(star_vehicle_inventory(2, bodid="N-2")))  # still "in transit"
    result = run(
        db, "--json", "--store", "SH-AUDI-01", "dms", "import", "--adapter", "star",
        "--kind", "vehicle-inventory", str(again),
    )  # fmt: skip
    summary = json.loads(result.output)
    assert (summary["unchanged"], summary["rejected"], summary["warnings"]) == (2, 0, 2)
    assert summary["first_warnings"][0].endswith(
        "[VehicleStatusCode]: manufacturer says IN_TRANSIT, the dealer has ARRIVED: state kept"
    )
    assert summary["reject_file"] is None
    lines = Path(summary["warnings_file"]).read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["field"] for line in lines] == ["VehicleStatusCode"] * 2
