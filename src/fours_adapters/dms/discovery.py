"""Finding DMS adapters (entry-point group ``fours.dms``) and choosing one per brand.

An adapter package declares, in its ``pyproject.toml``::

    [project.entry-points."fours.dms"]
    acme-json = "acme_dms:factory"

where ``factory(options: Mapping[str, str])`` returns an object satisfying
:class:`fours_domain.dms.ports.InboundFeed` (and, if it writes documents,
:class:`~fours_domain.dms.ports.OutboundFeed`). fours ships ``star`` and
``csv``.

Which adapter a brand's documents go through is configuration (``dms.toml``,
path in ``FOURS_DMS_CONFIG``)::

    [brands.AUDI]
    adapter = "star"

    [brands.BYD]
    adapter = "csv"
    mapping = "cn-oem"          # a built-in mapping name or a path to a TOML file

    [dealers]                   # manufacturer dealer codes → our store ids
    "FAW-0101" = "SH-AUDI-01"
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import Any

import attrs

from fours_domain.dms.ports import InboundFeed, OutboundFeed

GROUP = "fours.dms"

AdapterFactory = Callable[[Mapping[str, str]], Any]


class AdapterProblem(LookupError):
    """An adapter cannot be found, loaded or configured."""


def discovered() -> dict[str, EntryPoint]:
    """Every adapter installed in this environment, by name."""
    return {ep.name: ep for ep in entry_points(group=GROUP)}


def load_adapter(name: str, options: Mapping[str, str] | None = None) -> InboundFeed:
    """Instantiate adapter ``name`` with ``options`` (e.g. ``mapping``, ``star_dir``)."""
    found = discovered().get(name)
    if found is None:
        known = ", ".join(sorted(discovered())) or "none"
        raise AdapterProblem(f"no DMS adapter {name!r} is installed (installed: {known})")
    try:
        factory = found.load()
    except (ImportError, AttributeError) as exc:
        raise AdapterProblem(
            f"DMS adapter {name!r} ({found.value}) cannot be loaded: {exc}"
        ) from None
    feed = factory(dict(options or {}))
    if not isinstance(feed, InboundFeed):
        raise AdapterProblem(f"DMS adapter {name!r} does not implement the InboundFeed port")
    return feed


def as_outbound(feed: object) -> OutboundFeed | None:
    """The feed as an :class:`OutboundFeed` when it writes documents."""
    return feed if isinstance(feed, OutboundFeed) else None


@attrs.frozen
class BrandRoute:
    brand: str
    adapter: str
    options: Mapping[str, str]


def _read_config(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise AdapterProblem(f"cannot read DMS configuration {path}: {exc}") from None


def load_dealers(path: Path) -> dict[str, str]:
    """Manufacturer dealer code → store id, from ``[dealers]`` of a ``dms.toml``."""
    dealers = _read_config(path).get("dealers", {})
    if not isinstance(dealers, dict) or not all(isinstance(v, str) for v in dealers.values()):
        raise AdapterProblem(
            f'{path}: [dealers] must map dealer codes to store ids ("CODE" = "STORE")'
        )
    return {str(code): store.strip().upper() for code, store in dealers.items()}


def load_routes(path: Path) -> dict[str, BrandRoute]:
    """Brand → adapter routes from a ``dms.toml``."""
    data = _read_config(path)
    routes: dict[str, BrandRoute] = {}
    brands = data.get("brands", {})
    if not isinstance(brands, dict):
        raise AdapterProblem(f"{path}: [brands] must be a table")
    for brand, table in brands.items():
        if not isinstance(table, dict) or not isinstance(table.get("adapter"), str):
            raise AdapterProblem(f'{path}: [brands.{brand}] needs adapter = "name"')
        options = {k: str(v) for k, v in table.items() if k != "adapter"}
        if "mapping" in options and not Path(options["mapping"]).is_absolute():
            candidate = path.parent / options["mapping"]
            if candidate.is_file():
                options["mapping"] = str(candidate)
        routes[brand.upper()] = BrandRoute(brand.upper(), table["adapter"], options)
    return routes
