"""The real clock and id source: the only places that read time or draw randomness."""

from __future__ import annotations

import pendulum
import uuid_utils

from fours_domain.shared.time import DateTime


class SystemClock:
    """``Clock`` port on the machine's clock, in UTC."""

    def now(self) -> DateTime:
        return pendulum.now("UTC")


class Uuid7IdSource:
    """``IdSource`` port: UUIDv7 strings (RFC 9562), time-ordered so B-tree inserts stay local."""

    def new_id(self) -> str:
        return str(uuid_utils.uuid7())
