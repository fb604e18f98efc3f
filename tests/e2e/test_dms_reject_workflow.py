"""The documented reject-file workflow through the CLI (ADR 0076): import a full parts
inventory with a bad row → fix the reject file → feed it again → the DMS's positions (and
our stock) equal what a clean import of the corrected document gives. The reject file is
marked as partial (CSV: its reject columns; STAR: ``InventoryTypeCode`` Incremental), so
feeding it never drops the positions it does not list."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from lxml import etree

from fours_adapters.dms.generate import star_parts_inventory
from tests.e2e.test_dms_parts_inventory import SETUP, js, run

__all__ = ["SETUP"]

OLD = (
    "part_number,on_hand,dealer_code,bin,name,unit_price,list_price,inventory_type\n"
    "A-1,6,FAW-0101,X1,,,,full\n"
    "B-2,1,FAW-0101,A-02,,,,full\n"
    "C-3,4,FAW-0101,A-02,,,,full\n"
)
NEW = (
    "part_number,on_hand,dealer_code,bin,name,unit_price,list_price,inventory_type\n"
    "A-1,7,FAW-0101,X1,,,,full\n"
    "B-2,{b2},FAW-0101,A-02,,,,full\n"  # C-3 is no longer listed: dropped
)


def database(tmp_path: Path, name: str) -> tuple[str, dict[str, str]]:
    url = f"sqlite:///{tmp_path / name}"
    for args in SETUP:
        assert run(url, *args).exit_code == 0, args
    config = tmp_path / "dms.toml"
    config.write_text('[dealers]\n"FAW-0101" = "SH01"\n', encoding="utf-8")
    return url, {"FOURS_DMS_CONFIG": str(config)}


def positions(db: str) -> list[Any]:
    return [{k: v for k, v in p.items() if k != "import"} for p in js(db, "dms", "positions")]


def stock(db: str) -> Any:
    return js(db, "--store", "SH01", "stock", "count", "PARTS")


def test_csv_fix_the_reject_file_and_feed_it_again(tmp_path: Path) -> None:
    args = ("dms", "import", "--adapter", "csv", "--kind", "parts-inventory", "--adjust-stock")
    old = tmp_path / "old.csv"
    old.write_text(OLD, encoding="utf-8")
    clean_db, env = database(tmp_path, "clean.db")
    clean = tmp_path / "clean" / "new.csv"
    clean.parent.mkdir()
    clean.write_text(NEW.format(b2="3"), encoding="utf-8")
    js(clean_db, *args, str(old), env=env)
    js(clean_db, *args, str(clean), env=env)

    db, env = database(tmp_path, "workflow.db")
    js(db, *args, str(old), env=env)
    bad = tmp_path / "new.csv"
    bad.write_text(NEW.format(b2="-3"), encoding="utf-8")
    first = js(db, *args, str(bad), env=env)
    assert first["rejected"] == 1 and first["positions_dropped"] == 1  # C-3; B-2 is kept
    rejects = Path(first["reject_file"])
    rows = list(csv.reader(io.StringIO(rejects.read_text(encoding="utf-8-sig"))))
    assert rows[0][-2:] == ["reject_reason", "reject_location"] and len(rows) == 2
    rows[1][1] = "3"  # the fix
    with rejects.open("w", encoding="utf-8-sig", newline="") as fixed:
        csv.writer(fixed, lineterminator="\n").writerows(rows)
    again = js(db, *args, str(rejects), env=env)
    assert (again["rejected"], again["updated"], again["positions_dropped"]) == (0, 1, 0)
    assert "applied as an incremental inventory" in again["first_warnings"][0]
    assert positions(db) == positions(clean_db)
    assert [p["part"] for p in positions(db)] == ["A-1", "B-2"]
    assert stock(db) == stock(clean_db)


def test_star_fix_the_reject_document_and_feed_it_again(tmp_path: Path, star_dir: Path) -> None:
    args = ("--store", "SH01", "dms", "import", "--adapter", "star", "--kind", "parts-inventory")
    old = tmp_path / "old.xml"
    old.write_bytes(b"".join(star_parts_inventory(3, bodid="PI-OLD")))
    corrected = b"".join(star_parts_inventory(2, bodid="PI-NEW"))
    clean_db, env = database(tmp_path, "clean.db")
    clean = tmp_path / "clean" / "new.xml"
    clean.parent.mkdir()
    clean.write_bytes(corrected)
    js(clean_db, *args, str(old), env=env)
    js(clean_db, *args, str(clean), env=env)

    db, env = database(tmp_path, "workflow.db")
    js(db, *args, str(old), env=env)
    bad = tmp_path / "new.xml"
    bad.write_bytes(corrected.replace(b"<QuantityOnHand>2<", b"<QuantityOnHand>-2<", 1))
    first = js(db, *args, str(bad), env=env)
    assert first["rejected"] == 1 and first["positions_dropped"] == 1  # line 3 no longer listed
    rejects = Path(first["reject_file"])
    document = etree.parse(str(rejects))
    ns = {"s": "http://www.starstandard.org/STAR/5"}
    assert document.findtext(".//s:InventoryTypeCode", namespaces=ns) == "Incremental"
    assert len(document.findall(".//s:PartsInventoryLine", namespaces=ns)) == 1
    schema = etree.XMLSchema(
        etree.parse(str(star_dir / "BODs/Developer/ProcessPartsInventory.xsd"))
    )
    fixed = etree.parse(io.BytesIO(rejects.read_bytes().replace(b">-2<", b">2<")))
    assert schema.validate(fixed), schema.error_log
    rejects.write_bytes(rejects.read_bytes().replace(b">-2<", b">2<"))  # the fix
    again = js(db, *args, str(rejects), env=env)
    assert (again["rejected"], again["positions_dropped"]) == (0, 0)
    assert positions(db) == positions(clean_db)
    assert [p["part"] for p in positions(db)] == ["P000000001", "P000000002"]
    assert json.dumps(stock(db)) == json.dumps(stock(clean_db))
