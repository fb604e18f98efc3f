"""The CLI's composition root (dependency-injector).

Configuration comes from ``--db`` / ``FOURS_DB_URL``, ``FOURS_SMS_*``, ``FOURS_DMS_CONFIG``
and ``FOURS_STAR_DIR``; ``providers.Selector`` picks the storage engine flavour and the SMS
gateway, the ``dms`` provider builds the DMS adapters (installed plugins, brand routes and
dealer codes) from configuration. Tests override providers with
``container.override_providers(...)``.
"""

from __future__ import annotations

from pathlib import Path

from dependency_injector import containers, providers

from fours_adapters.bootstrap import bootstrap
from fours_adapters.clock import SystemClock, Uuid7IdSource
from fours_adapters.dms.discovery import DmsAdapters
from fours_adapters.sms.file import FileSmsGateway
from fours_adapters.sql.engine import DEFAULT_URL, make_engine, normalise_url


def storage_kind(url: str) -> str:
    """``sqlite`` or ``postgresql``: the key the storage selector switches on."""
    return "sqlite" if normalise_url(url).startswith("sqlite") else "postgresql"


def dms_adapters(config: str | None, star_dir: str | None) -> DmsAdapters:
    """The DMS adapters: plugins of the ``fours.dms`` entry points, brand routes and dealer
    codes from the ``dms.toml`` at ``config``, STAR schemas in ``star_dir``."""
    return DmsAdapters(Path(config) if config else None, Path(star_dir) if star_dir else None)


class Container(containers.DeclarativeContainer):
    config = providers.Configuration(strict=False)

    engine = providers.Selector(
        config.storage.kind,
        sqlite=providers.Singleton(make_engine, config.storage.url),
        postgresql=providers.Singleton(
            make_engine, config.storage.url, pool_size=config.storage.pool_size.as_(int)
        ),
    )
    sms = providers.Selector(
        config.sms.gateway,
        file=providers.Singleton(FileSmsGateway, config.sms.file_path.as_(Path)),
    )
    dms = providers.Singleton(dms_adapters, config.dms.config, config.dms.star_dir)
    clock = providers.Singleton(SystemClock)
    ids = providers.Singleton(Uuid7IdSource)
    app = providers.Singleton(bootstrap, engine=engine, clock=clock, ids=ids, sms=sms, dms=dms)


def make_container(db_url: str | None, environ: dict[str, str]) -> Container:
    """Build the container from options and environment (never at import time)."""
    url = normalise_url(db_url or environ.get("FOURS_DB_URL") or DEFAULT_URL)
    container = Container()
    container.config.from_dict(
        {
            "storage": {
                "url": url,
                "kind": storage_kind(url),
                "pool_size": int(environ.get("FOURS_DB_POOL_SIZE", "5")),
            },
            "sms": {
                "gateway": environ.get("FOURS_SMS_GATEWAY", "file"),
                "file_path": environ.get("FOURS_SMS_FILE", "fours-sms.jsonl"),
            },
            "dms": {
                "config": environ.get("FOURS_DMS_CONFIG") or None,
                "star_dir": environ.get("FOURS_STAR_DIR") or None,
            },
        }
    )
    return container
