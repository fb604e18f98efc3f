"""Embedding fours in your own application, without the CLI.

Run it: ``python examples/embed.py [DATABASE_URL]`` (default: ``sqlite:///fours-embed.db``).
A second run on the same database shows a refusal: the group exists already.
"""

import sys

from returns.result import Failure, Success

from fours_adapters.bootstrap import bootstrap
from fours_domain.org import services


def main(db_url: str) -> int:
    app = bootstrap(db_url)  # or bootstrap(engine=…, clock=…, ids=…, sms=…, handlers=[…])
    app.upgrade_schema()
    try:
        # A region belongs to the group: create the group first (one per database).
        match services.create_group(app.uow(), services.CreateGroup("ACME", "Acme Auto Group")):
            case Success(group):
                print(f"group {group.id}: {group.name}")
            case Failure(error):
                print(f"refused ({error.code}): {error.message}")
                return 1
        match services.add_region(app.uow(), services.AddRegion("EAST", "East China")):
            case Success(region):
                print(f"region {region.id}: {region.name}")
            case Failure(error):
                print(f"refused ({error.code}): {error.message}")
                return 1
        with app.uow() as uow:  # reads go through a unit of work too
            print("regions:", ", ".join(r.id for r in uow.org.list_regions()))
        return 0
    finally:
        app.close()


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1] if len(sys.argv) > 1 else "sqlite:///fours-embed.db"))
