"""SQL storage of the vehicles context (tables ``veh_*``)."""
