"""Column mappings (TOML) for spreadsheet feeds, one file per manufacturer.

A mapping names, per record kind, which column holds which field, default
values for fields the manufacturer does not send, and the manufacturer's own
codes for vehicle states and price kinds::

    name = "byd"
    encoding = "auto"        # auto | utf-8 | utf-8-sig | gbk | gb18030
    delimiter = ","

    [part-prices.columns]
    part_number = "配件编号"
    name = "配件名称"
    retail_price = "零售价"

    [part-prices.defaults]
    brand = "BYD"

    [vehicle-inventory.states]
    "在途" = "IN_TRANSIT"

A field is required unless it has a default or is optional for its kind
(:data:`FIELDS`). Unknown fields and kinds are refused when the mapping loads.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from fours_adapters.dms.spreadsheet.encoding import DECLARABLE
from fours_domain.dms.records import ManufacturerVehicleState, PriceKind, RecordKind

#: field → required? per kind.
FIELDS: dict[RecordKind, dict[str, bool]] = {
    RecordKind.VEHICLE_INVENTORY: {
        "vin": True,
        "brand": True,
        "model": True,
        "state": True,
        "trim": False,
        "colour": False,
        "interior": False,
        "model_year": False,
        "colour_name": False,
        "dealer_code": False,
        "order_number": False,
        "allocation_number": False,
        "ship_date": False,
        "eta": False,
        "carrier": False,
        "invoice_number": False,
        "invoice_price": False,
        "invoice_tax": False,
        "options": False,
    },
    RecordKind.VEHICLE_ORDER_STATUS: {
        "order_number": True,
        "state": True,
        "vin": False,
        "dealer_code": False,
        "status_date": False,
        "eta": False,
    },
    RecordKind.PART_PRICES: {
        "part_number": True,
        "name": True,
        "brand": False,
        "retail_price": False,
        "dealer_price": False,
        "unit": False,
        "effective_from": False,
        "part_class": False,
    },
    RecordKind.PARTS_INVENTORY: {
        "part_number": True,
        "on_hand": True,
        "dealer_code": False,
        "bin": False,
        "reserved": False,
        "on_order": False,
        "unit_price": False,
        "name": False,
        "part_class": False,
        "brand": False,
        "list_price": False,
        "back_ordered": False,
        "last_sold_on": False,
        "last_received_on": False,
        "as_of": False,
        "inventory_type": False,
    },
    RecordKind.PRICE_LIST: {
        "brand": True,
        "model": True,
        "kind": True,
        "amount": True,
        "valid_from": True,
        "trim": False,
        "colour": False,
        "interior": False,
        "model_year": False,
        "valid_until": False,
    },
    RecordKind.REBATE_STATEMENT: {
        "statement_id": True,
        "line_id": True,
        "policy_code": True,
        "amount": True,
        "dealer_code": False,
        "vin": False,
        "period": False,
    },
}


class MappingProblem(ValueError):
    """The mapping file itself is wrong (not a data problem)."""


@attrs.frozen
class KindMapping:
    kind: RecordKind
    columns: Mapping[str, str]
    defaults: Mapping[str, str]
    states: Mapping[str, ManufacturerVehicleState]
    price_kinds: Mapping[str, PriceKind]
    options_separator: str = ";"

    def required_columns(self) -> dict[str, str]:
        """field → column for every required field that has no default."""
        return {
            field: self.columns[field]
            for field, required in FIELDS[self.kind].items()
            if required and field in self.columns and field not in self.defaults
        }


@attrs.frozen
class ColumnMapping:
    name: str
    encoding: str
    delimiter: str
    kinds: Mapping[RecordKind, KindMapping]

    def for_kind(self, kind: RecordKind) -> KindMapping | None:
        return self.kinds.get(kind)


def _str_table(value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, dict):
        raise MappingProblem(f"{where} must be a table")
    result = {}
    for key, item in value.items():
        if not isinstance(item, str | int):
            raise MappingProblem(f"{where}.{key} must be a string")
        result[str(key)] = str(item)
    return result


def parse_mapping(data: Mapping[str, Any], source: str = "mapping") -> ColumnMapping:
    """Build and check a mapping from parsed TOML."""
    name = str(data.get("name", source))
    encoding = str(data.get("encoding", "auto")).lower()
    if encoding not in DECLARABLE:
        raise MappingProblem(f"{source}: encoding {encoding!r} is not one of {DECLARABLE}")
    delimiter = str(data.get("delimiter", ","))
    if len(delimiter) != 1:
        raise MappingProblem(f"{source}: delimiter must be one character")
    kinds: dict[RecordKind, KindMapping] = {}
    for key, table in data.items():
        if key in {"name", "encoding", "delimiter", "description"}:
            continue
        try:
            kind = RecordKind(key)
        except ValueError:
            raise MappingProblem(f"{source}: unknown record kind [{key}]") from None
        if not isinstance(table, dict):
            raise MappingProblem(f"{source}: [{key}] must be a table")
        columns = _str_table(table.get("columns", {}), f"{key}.columns")
        defaults = _str_table(table.get("defaults", {}), f"{key}.defaults")
        known = FIELDS[kind]
        for field in (*columns, *defaults):
            if field not in known:
                raise MappingProblem(
                    f"{source}: [{key}] has no field {field!r}; fields: {', '.join(known)}"
                )
        missing = [f for f, req in known.items() if req and f not in columns and f not in defaults]
        if missing:
            raise MappingProblem(
                f"{source}: [{key}] needs a column or a default for {', '.join(missing)}"
            )
        states: dict[str, ManufacturerVehicleState] = {}
        for code, state_name in _str_table(table.get("states", {}), f"{key}.states").items():
            state = ManufacturerVehicleState.parse(state_name)
            if state is None:
                raise MappingProblem(f"{source}: [{key}.states] {code!r}: unknown {state_name!r}")
            states[code.strip().upper()] = state
        price_kinds: dict[str, PriceKind] = {}
        for code, kind_name in _str_table(
            table.get("price_kinds", {}), f"{key}.price_kinds"
        ).items():
            try:
                price_kinds[code.strip().upper()] = PriceKind(kind_name.lower())
            except ValueError:
                raise MappingProblem(
                    f"{source}: [{key}.price_kinds] {code!r}: unknown price kind {kind_name!r}"
                ) from None
        kinds[kind] = KindMapping(
            kind=kind,
            columns=columns,
            defaults=defaults,
            states=states,
            price_kinds=price_kinds,
            options_separator=str(table.get("options_separator", ";")),
        )
    return ColumnMapping(name=name, encoding=encoding, delimiter=delimiter, kinds=kinds)


def load_mapping(path: Path) -> ColumnMapping:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise MappingProblem(f"cannot read mapping {path}: {exc}") from None
    return parse_mapping(data, path.name)


BUILTIN_DIR = Path(__file__).with_name("mappings")


def builtin_mapping(name: str) -> ColumnMapping:
    """A mapping shipped with fours (``generic``, ``byd-gbk``…)."""
    path = BUILTIN_DIR / f"{name}.toml"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in BUILTIN_DIR.glob("*.toml")))
        raise MappingProblem(f"no built-in mapping {name!r}; built-in: {known}")
    return load_mapping(path)
