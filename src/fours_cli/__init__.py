"""The reference CLI for store operations (``fours``)."""
