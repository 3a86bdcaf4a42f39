"""Start the service: load the configuration, payer profiles and history once, start the
worker processes, then serve with uvicorn until SIGINT or SIGTERM."""

from __future__ import annotations

import logging
from typing import Any

from claimlint.core.config import ConfigError
from claimlint.running.engine import Engine
from claimlint.running.lint import unknown_selectors
from claimlint.running.registry import Registry
from claimlint.service.pool import LintPool
from claimlint.service.settings import Settings, SettingsError, check_settings

log = logging.getLogger("claimlint.service")


def log_config() -> dict[str, Any]:
    """uvicorn's own messages and ours on stderr, one line each. uvicorn's access log is off
    (its lines carry the query string); ``app.AccessLog`` writes ours."""
    line = {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}
    handler = {"class": "logging.StreamHandler", "formatter": "line", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"line": line},
        "handlers": {"stderr": handler},
        "loggers": {
            "uvicorn": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
            "uvicorn.error": {"level": "INFO"},
            "uvicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False},
            "claimlint.service": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        },
    }


def prepare(settings: Settings, registry: Registry) -> Engine:
    """Check the settings and build the engine whose profiles and history every request
    uses (loaded here, once); a problem is a :class:`SettingsError` or ``ConfigError``."""
    check_settings(settings)
    bad = unknown_selectors(registry, settings.config)
    if bad:
        raise ConfigError(f"unknown rule selector {bad[0]!r} (see 'claimlint rules')")
    return Engine(settings.config, registry=registry)


def serve(settings: Settings, registry: Registry) -> None:
    """Serve until stopped. Raises ``SettingsError``/``ConfigError``/profile and history
    errors before listening when the service cannot start as asked."""
    import uvicorn

    from claimlint.service.app import service_app

    engine = prepare(settings, registry)
    pool = LintPool(settings.jobs, engine)
    pool.start()
    try:
        config = uvicorn.Config(
            service_app(settings, pool, registry),
            host=settings.host,
            port=settings.port,
            log_config=log_config(),
            access_log=False,
            server_header=False,
            # a client that sends nothing for this long is dropped (the body's own time is
            # bounded by --timeout)
            timeout_keep_alive=5,
            lifespan="off",
        )
        server = uvicorn.Server(config)
        if settings.token is None:
            log.warning(
                "running WITHOUT a token (--insecure-local): only for this machine, on %s",
                settings.host,
            )
        log.info(
            "claimlint %s serving on http://%s:%d with %d worker process(es); max body %d "
            "bytes, timeout %g s",
            settings.version,
            settings.host,
            settings.port,
            settings.jobs,
            settings.max_body,
            settings.timeout,
        )
        server.run()
    finally:
        pool.shutdown()


__all__ = ["SettingsError", "serve"]
