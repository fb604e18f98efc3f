"""The ../shared guard of tests/conftest.py sees files created, removed and modified."""

from __future__ import annotations

import os
from pathlib import Path

from tests.shared_guard import changes, snapshot


def test_the_guard_sees_what_a_test_leaves_beside_the_examples(tmp_path: Path) -> None:
    examples = tmp_path / "star" / "BODExamples"
    examples.mkdir(parents=True)
    (examples / "ProcessPartsInventory.xml").write_text("<x/>")
    (examples / "gone.xml").write_text("<y/>")
    before = snapshot(tmp_path)
    assert changes(before, snapshot(tmp_path)) == []
    (examples / "ProcessPartsInventory.xml.warnings.jsonl").write_text("{}\n")
    (examples / "gone.xml").unlink()
    kept = examples / "ProcessPartsInventory.xml"
    kept.write_text("<x></x>")
    os.utime(kept, ns=(1, 1))
    found = changes(before, snapshot(tmp_path))
    assert "created star/BODExamples/ProcessPartsInventory.xml.warnings.jsonl" in found
    assert "removed star/BODExamples/gone.xml" in found
    assert "modified star/BODExamples/ProcessPartsInventory.xml" in found


def test_a_missing_shared_folder_is_an_empty_snapshot(tmp_path: Path) -> None:
    assert snapshot(tmp_path / "nowhere") == {}
