"""The examples the documentation shows are the examples the tests run."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EMBED = ROOT / "examples" / "embed.py"


def python_blocks(markdown: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", markdown, flags=re.DOTALL)


def test_the_readme_shows_examples_embed_py_verbatim() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert EMBED.read_text(encoding="utf-8") in python_blocks(readme)


def test_the_embedding_example_runs_and_then_reports_a_refusal(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'embed.db'}"
    first = subprocess.run(
        [sys.executable, str(EMBED), url], capture_output=True, text=True, check=False
    )
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines() == [
        "group ACME: Acme Auto Group",
        "region EAST: East China",
        "regions: EAST",
    ]
    second = subprocess.run(
        [sys.executable, str(EMBED), url], capture_output=True, text=True, check=False
    )
    assert second.returncode == 1, second.stderr
    assert second.stdout.strip() == "refused (already_exists): group ACME already exists"
