"""Benchmarks are registered and named once: two modules never emit the same ``bench``."""

import ast
from collections import Counter
from pathlib import Path

from bench.__main__ import BENCHMARKS

BENCH = Path(__file__).resolve().parents[2] / "bench"


def literal_names(module: Path) -> list[str]:
    """The literal ``bench`` names a module passes to ``Measurement(...)``."""
    names = []
    for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Measurement":
            args = [kw.value for kw in node.keywords if kw.arg == "bench"] or node.args[:1]
            names += [
                a.value for a in args if isinstance(a, ast.Constant) and isinstance(a.value, str)
            ]
    return names


def test_every_registered_benchmark_has_a_module() -> None:
    assert all((BENCH / f"{name}.py").is_file() for name in BENCHMARKS)


def test_no_two_measurements_share_a_name() -> None:
    names = Counter(n for module in sorted(BENCH.glob("*.py")) for n in literal_names(module))
    assert names["vehicle_stock_query_pg"] == 1 and names["group_stock_query_pg"] == 1
    assert [name for name, count in names.items() if count > 1] == []
