"""Shared kernel: money, time, identifiers, errors and events used by every context."""
