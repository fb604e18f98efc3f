"""Appliers binding record kinds to the fours contexts."""
