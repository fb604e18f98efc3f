"""DMS feed adapters: discovery (entry-point group ``fours.dms``), STAR XML,
spreadsheet (CSV) feeds, reject files, and the conformance kit for vendors."""
