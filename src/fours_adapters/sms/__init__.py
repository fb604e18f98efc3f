"""SMS gateway adapters."""
