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


def test_the_property_suite_example_passes_as_a_user_would_run_it(tmp_path: Path) -> None:
    example = ROOT / "examples" / "property_suite_example.py"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(example)],
        capture_output=True,
        text=True,
        cwd=tmp_path,  # hypothesis keeps its example database in the working directory
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "5 passed" in done.stdout


def test_the_testing_guide_names_every_public_strategy() -> None:
    import inspect

    from fours_domain.testing import strategies as fs

    guide = (ROOT / "docs" / "testing.md").read_text(encoding="utf-8")
    public = [
        name
        for name, value in vars(fs).items()
        if not name.startswith("_")
        and inspect.isfunction(value)
        and value.__module__.startswith("fours_domain.testing.strategies")
    ]
    assert len(public) > 20
    assert [name for name in public if f"`{name}(" not in guide] == []
