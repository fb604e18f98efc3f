"""Finding DMS adapters (entry-point group ``fours.dms``) and choosing one per brand;
:class:`DmsAdapters` is what the composition roots hand an application (ADR 0063).

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

import functools
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
    """Instantiate adapter ``name`` with ``options`` (e.g. ``mapping``, ``star_dir``).

    Whatever goes wrong in a plugin — it cannot be imported, its factory refuses its
    options or fails in any other way, it returns something that is not a feed — is an
    :class:`AdapterProblem` naming the plugin: one broken adapter never takes fours down.
    """
    installed = discovered()
    found = installed.get(name)
    if found is None:
        known = ", ".join(sorted(installed)) or "none"
        raise AdapterProblem(f"no DMS adapter {name!r} is installed (installed: {known})")
    where = f"DMS adapter {name!r} ({found.value})"
    try:
        factory = found.load()
    except Exception as exc:  # noqa: BLE001 - a plugin may fail to import in any way
        raise AdapterProblem(f"{where} cannot be loaded: {_described(exc)}") from None
    try:
        feed = factory(dict(options or {}))
    except ValueError as exc:  # the plugin's own word on its options (our MappingProblem too)
        raise AdapterProblem(f"{where} refused its options: {exc}") from None
    except Exception as exc:  # noqa: BLE001 - a third-party factory may fail in any way
        raise AdapterProblem(f"{where} failed to start: {_described(exc)}") from None
    if not isinstance(feed, InboundFeed):
        raise AdapterProblem(f"{where} does not implement the InboundFeed port")
    return feed


def _described(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def is_builtin(entry: EntryPoint) -> bool:
    """True for the adapters fours ships (``star``, ``csv``)."""
    return entry.value.startswith("fours_adapters.")


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
    return _dealers(_read_config(path), path)


def _dealers(data: Mapping[str, Any], path: Path) -> dict[str, str]:
    dealers = data.get("dealers", {})
    if not isinstance(dealers, dict) or not all(isinstance(v, str) for v in dealers.values()):
        raise AdapterProblem(
            f'{path}: [dealers] must map dealer codes to store ids ("CODE" = "STORE")'
        )
    return {str(code): store.strip().upper() for code, store in dealers.items()}


def load_routes(path: Path) -> dict[str, BrandRoute]:
    """Brand → adapter routes from a ``dms.toml``."""
    return _routes(_read_config(path), path)


def _routes(data: Mapping[str, Any], path: Path) -> dict[str, BrandRoute]:
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


@attrs.frozen
class AdapterInfo:
    """One installed adapter as ``fours dms list`` shows it; ``problem`` when it is broken."""

    name: str
    module: str
    reads: tuple[str, ...] = ()
    writes: tuple[str, ...] = ()
    problem: str | None = None


class DmsAdapters:
    """The DMS adapters of one fours instance: the installed plugins, the brand routes and
    dealer codes of its configuration (a ``dms.toml``), and the STAR schema folder.

    Built by the composition roots (``fours_cli.containers``, ``bootstrap(dms=...)``);
    nothing is read until asked, and a broken configuration or plugin is an
    :class:`AdapterProblem` naming it.
    """

    def __init__(self, config: Path | None = None, star_dir: Path | None = None) -> None:
        self.config = config
        self.star_dir = star_dir

    def options(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        """Adapter options: ``extra`` (a route's, the command line's) over the defaults."""
        options = dict(extra or {})
        if self.star_dir is not None:
            options.setdefault("star_dir", str(self.star_dir))
        return options

    def load(self, name: str, options: Mapping[str, str] | None = None) -> InboundFeed:
        return load_adapter(name, self.options(options))

    @functools.cached_property
    def _config(self) -> dict[str, Any]:
        return {} if self.config is None else _read_config(self.config)

    def route(self, brand: str) -> BrandRoute:
        """The adapter and options configured for ``brand``."""
        if self.config is None:
            raise AdapterProblem(
                "brand routes need a DMS configuration: set FOURS_DMS_CONFIG to a dms.toml "
                "with [brands.*]"
            )
        routes = _routes(self._config, self.config)
        found = routes.get(brand.strip().upper())
        if found is None:
            raise AdapterProblem(f"{self.config} has no route for brand {brand.strip().upper()}")
        return found

    def for_brand(self, brand: str, extra: Mapping[str, str] | None = None) -> InboundFeed:
        route = self.route(brand)
        return self.load(route.adapter, {**route.options, **(extra or {})})

    @property
    def dealers(self) -> dict[str, str]:
        """Manufacturer dealer code → store id (``[dealers]``; none without configuration)."""
        if self.config is None:
            return {}
        return _dealers(self._config, self.config)

    def listing(self) -> list[AdapterInfo]:
        """Every installed adapter, broken ones with their problem, by name."""
        found: list[AdapterInfo] = []
        for name, entry in sorted(discovered().items()):
            try:
                feed = self.load(name)
            except AdapterProblem as problem:
                found.append(AdapterInfo(name, entry.value, problem=str(problem)))
                continue
            out = as_outbound(feed)
            try:
                reads = tuple(sorted(k.value for k in feed.reads()))
                writes = tuple(sorted(k.value for k in out.writes())) if out else ()
            except Exception as exc:  # noqa: BLE001 - a third-party feed may fail in any way
                failed = f"DMS adapter {name!r} ({entry.value}) failed: {_described(exc)}"
                found.append(AdapterInfo(name, entry.value, problem=failed))
                continue
            found.append(AdapterInfo(name, entry.value, reads, writes))
        return found
