"""Command groups, one module per bounded context, imported lazily by ``fours_cli.main``."""
