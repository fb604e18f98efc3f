"""Non-SQL adapters of the rebates context (manufacturer statement formats)."""
