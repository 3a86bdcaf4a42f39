"""What ``claimlint serve`` is started with, and the checks made before it listens.

Claims are PHI, so the service refuses to start without a bearer token unless it is bound to a
loopback address and ``--insecure-local`` says that is meant.
"""

from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from claimlint.core.config import Config

#: the environment variable that holds the bearer token
TOKEN_ENV = "CLAIMLINT_TOKEN"
#: a token shorter than this is refused (a guessable token protects no PHI)
MIN_TOKEN_LENGTH = 16
DEFAULT_MAX_BODY = 50 * 1000 * 1000
DEFAULT_TIMEOUT = 60.0


class SettingsError(Exception):
    """The service cannot start as asked; the message says why and what to do."""


@dataclass(slots=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8080
    #: None only with ``insecure_local`` on a loopback address (see :func:`check_settings`)
    token: str | None = None
    insecure_local: bool = False
    max_body: int = DEFAULT_MAX_BODY
    timeout: float = DEFAULT_TIMEOUT
    jobs: int = 1
    #: requests in flight at once (reading their body, waiting for a worker or being linted);
    #: one more is answered 503 at once, so memory stays bounded (each may hold ``max_body``).
    #: 0: eight per worker, at least 32
    max_requests: int = 0
    #: the configuration every request starts from (``--config``, ``--profile``, ``--history``)
    config: Config = field(default_factory=Config)
    version: str = ""


def is_loopback(host: str) -> bool:
    """``localhost``, 127.0.0.0/8 or ::1; a name other than localhost is not trusted to be."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def read_token(token_file: str | None, environ: dict[str, str] | None = None) -> str | None:
    """The token from ``--token-file`` (its first line, surrounding blanks removed), else from
    ``$CLAIMLINT_TOKEN``; None when neither is set. A token file that cannot be read, or a
    token too short or with blanks inside, is a :class:`SettingsError`."""
    env = os.environ if environ is None else environ
    if token_file is not None:
        try:
            text = Path(token_file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
            raise SettingsError(f"--token-file {token_file}: cannot read it: {reason}") from None
        token = text.strip()
        origin = f"--token-file {token_file}"
    elif env.get(TOKEN_ENV):
        token = env[TOKEN_ENV].strip()
        origin = f"${TOKEN_ENV}"
    else:
        return None
    if len(token) < MIN_TOKEN_LENGTH or re.search(r"\s", token):
        raise SettingsError(
            f"{origin}: the token must be at least {MIN_TOKEN_LENGTH} characters without "
            "blanks; make one with: python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"
        )
    return token


def check_settings(settings: Settings) -> None:
    """Refuse what would expose claims: no token on an address others can reach, or
    ``--insecure-local`` on one. Also the limits must be positive."""
    if settings.token is None:
        if not settings.insecure_local:
            raise SettingsError(
                f"no token: claims are PHI, so the service requires a bearer token; set "
                f"${TOKEN_ENV} or pass --token-file FILE (only on a loopback address, with "
                "--insecure-local, does it run without one)"
            )
        if not is_loopback(settings.host):
            raise SettingsError(
                f"--insecure-local runs without a token only on a loopback address "
                f"(127.0.0.1, ::1, localhost), not on {settings.host}; set ${TOKEN_ENV} or "
                "pass --token-file FILE"
            )
    if settings.max_requests < 0:
        raise SettingsError("--max-requests must be 0 (eight per worker, at least 32) or more")
    if settings.max_body <= 0:
        raise SettingsError("--max-body must be more than 0 bytes")
    if settings.timeout <= 0:
        raise SettingsError("--timeout must be more than 0 seconds")
    if settings.jobs < 1:
        raise SettingsError("--jobs must be at least 1")


_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmg]?)(i?)b?\s*$", re.IGNORECASE)


def parse_size(text: str) -> int:
    """Bytes from ``50MB``, ``50M``, ``512k``, ``1GiB`` or a plain number (decimal units;
    ``KiB``/``MiB``/``GiB`` are binary)."""
    m = _SIZE.match(text)
    if m is None:
        raise ValueError(f"not a size: {text!r} (say 50MB, 512k or a number of bytes)")
    number, unit, binary = m.groups()
    base = 1024 if binary else 1000
    power = " kmg".index(unit.lower() or " ")
    return int(float(number) * base**power)
