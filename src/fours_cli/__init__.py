"""The reference CLI for store operations (``fours``)."""

__version__ = "0.1.0"
