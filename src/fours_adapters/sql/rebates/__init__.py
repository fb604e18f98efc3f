"""SQL storage of the rebates context (tables ``reb_*``)."""
