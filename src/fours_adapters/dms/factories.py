"""Entry-point factories of the adapters fours ships (``star``, ``csv``).

Options (strings, from ``dms.toml`` or the CLI):

* ``star``: ``star_dir`` — the STAR ``Rev5.5.4`` folder for ``--strict`` and
  deviation reports (default: ``FOURS_STAR_DIR`` as passed by the CLI);
  ``state.<CODE> = <STATE>`` — a manufacturer's own status codes.
* ``csv``: ``mapping`` — a built-in mapping name (``generic``, ``cn-oem``) or
  a path to a TOML mapping; ``name`` — how the adapter is journaled.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from fours_adapters.dms.spreadsheet.feed import CsvFeed
from fours_adapters.dms.spreadsheet.mapping import builtin_mapping, load_mapping
from fours_adapters.dms.star.feed import StarFeed
from fours_domain.dms.records import ManufacturerVehicleState


def star(options: Mapping[str, str]) -> StarFeed:
    star_dir = options.get("star_dir")
    states: dict[str, ManufacturerVehicleState] = {}
    for key, value in options.items():
        if key.startswith("state."):
            state = ManufacturerVehicleState.parse(value)
            if state is None:
                raise ValueError(f"option {key}: unknown vehicle state {value!r}")
            states[key.removeprefix("state.")] = state
    return StarFeed(Path(star_dir) if star_dir else None, states)


def csv(options: Mapping[str, str]) -> CsvFeed:
    mapping_ref = options.get("mapping", "generic")
    path = Path(mapping_ref)
    mapping = load_mapping(path) if path.suffix == ".toml" else builtin_mapping(mapping_ref)
    return CsvFeed(mapping, options.get("name", "csv"))
