"""The CLI's composition root (dependency-injector).

Configuration comes from ``--db`` / ``FOURS_DB_URL``, ``FOURS_DB_POOL_SIZE``,
``FOURS_SMS_*``, ``FOURS_DMS_CONFIG`` and ``FOURS_STAR_DIR``; ``providers.Selector``
picks the storage engine flavour and the SMS gateway, the ``dms`` provider builds the
DMS adapters (installed plugins, brand routes and dealer codes) from configuration
(ADR 0063). :func:`make_container` checks every setting first and refuses a bad
one with a :class:`~fours_cli.errors.ConfigurationError` naming it, so a typo
never surfaces later as a traceback. The SMS gateway is built on first use only
(``FoursApp.sms``): commands that send no SMS never construct it.
Tests override providers with ``container.<provider>.override(...)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from dependency_injector import containers, providers

from fours_adapters.bootstrap import bootstrap
from fours_adapters.clock import SystemClock, Uuid7IdSource
from fours_adapters.dms.discovery import DmsAdapters
from fours_adapters.sms.file import FileSmsGateway
from fours_adapters.sql.engine import DEFAULT_URL, DatabaseUrlError, database_url, make_engine
from fours_cli.errors import ConfigurationError

DEFAULT_POOL_SIZE = 5


def storage_kind(url: str) -> str:
    """``sqlite`` or ``postgresql``: the key the storage selector switches on."""
    return database_url(url).get_backend_name()


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
    # ``sms.provider`` hands bootstrap the selector itself, called on first use.
    app = providers.Singleton(
        bootstrap, engine=engine, clock=clock, ids=ids, sms_factory=sms.provider, dms=dms
    )


#: The gateways ``FOURS_SMS_GATEWAY`` may name (provider gateways arrive with the CRM issue).
SMS_GATEWAYS: tuple[str, ...] = tuple(sorted(Container.sms.providers))


def make_container(db_url: str | None, environ: Mapping[str, str]) -> Container:
    """Build the container from options and environment (never at import time).

    Raises :class:`~fours_cli.errors.ConfigurationError` for a setting it cannot use.
    """
    container = Container()
    container.config.from_dict(
        {
            # An empty --db is refused; an empty FOURS_DB_URL counts as unset, as click
            # treats every empty variable (ADR 0071).
            "storage": _storage(
                db_url if db_url is not None else environ.get("FOURS_DB_URL") or DEFAULT_URL,
                environ,
            ),
            "sms": {
                "gateway": _sms_gateway(environ),
                "file_path": environ.get("FOURS_SMS_FILE", "fours-sms.jsonl"),
            },
            "dms": {
                "config": environ.get("FOURS_DMS_CONFIG") or None,
                "star_dir": environ.get("FOURS_STAR_DIR") or None,
            },
        }
    )
    return container


def _storage(raw_url: str, environ: Mapping[str, str]) -> dict[str, object]:
    try:
        url = database_url(raw_url)
    except DatabaseUrlError as error:
        raise ConfigurationError(str(error), setting="--db / FOURS_DB_URL") from None
    raw_pool = environ.get("FOURS_DB_POOL_SIZE", str(DEFAULT_POOL_SIZE)).strip()
    if not raw_pool.isdigit() or int(raw_pool) < 1:
        raise ConfigurationError(
            "FOURS_DB_POOL_SIZE must be a whole number of connections, 1 or more; "
            f"got {raw_pool!r}",
            setting="FOURS_DB_POOL_SIZE",
        )
    return {
        "url": url.render_as_string(hide_password=False),
        "kind": url.get_backend_name(),
        "pool_size": int(raw_pool),
    }


def _sms_gateway(environ: Mapping[str, str]) -> str:
    name = environ.get("FOURS_SMS_GATEWAY", "file").strip().lower()
    if name not in SMS_GATEWAYS:
        raise ConfigurationError(
            f"FOURS_SMS_GATEWAY={name!r} is not a configured SMS gateway; "
            f"known: {', '.join(SMS_GATEWAYS)}",
            setting="FOURS_SMS_GATEWAY",
        )
    return name
