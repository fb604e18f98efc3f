"""Map domain classes onto tables, from the outside (the domain never knows).

``start_mappers()`` is idempotent and thread-safe: an embedding application, the
CLI and the test suite may all call it.
"""

from __future__ import annotations

import threading

from fours_adapters.sql.metadata import mapper_registry

_lock = threading.Lock()
_started = False


def start_mappers() -> None:
    global _started  # noqa: PLW0603 - a process-wide, once-only switch
    with _lock:
        if _started:
            return
        from fours_adapters.sql.org.mapping import map_org

        map_org(mapper_registry)
        from fours_adapters.sql.rebates.mapping import map_rebates

        map_rebates(mapper_registry)
        from fours_adapters.sql.vehicles.mapping import map_vehicles

        map_vehicles(mapper_registry)
        from fours_adapters.sql.inventory.mapping import map_inventory

        map_inventory(mapper_registry)
        from fours_adapters.sql.dms.mapping import map_dms

        map_dms(mapper_registry)
        mapper_registry.configure()
        _started = True
