"""Spreadsheet feeds (CSV) with a TOML column mapping per manufacturer."""

from fours_adapters.dms.spreadsheet.feed import CsvFeed, CsvRejectFile
from fours_adapters.dms.spreadsheet.mapping import (
    ColumnMapping,
    MappingProblem,
    builtin_mapping,
    load_mapping,
)

__all__ = [
    "ColumnMapping",
    "CsvFeed",
    "CsvRejectFile",
    "MappingProblem",
    "builtin_mapping",
    "load_mapping",
]
