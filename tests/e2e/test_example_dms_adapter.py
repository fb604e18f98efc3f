"""The example third-party adapter in examples/acme-json-dms: its entry point, the
conformance kit, and fours' discovery picking it up as an installed plugin would be."""

from __future__ import annotations

import importlib.util
import sys
import tomllib
from collections.abc import Callable, Iterator
from importlib.metadata import EntryPoint
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from fours_adapters.dms import discovery
from fours_adapters.dms.testing import CHECKS, ConformanceCase

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
