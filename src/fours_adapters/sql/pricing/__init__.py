"""SQL storage of the pricing context (tables prefixed ``prc_``)."""
