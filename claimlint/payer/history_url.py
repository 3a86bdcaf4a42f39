"""History URLs (``postgresql://user:password@host:5432/dbname``) in messages: without the
password. Imports nothing of the project (the stores and the CLI use it)."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

_URL = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://")


def url_scheme(target: str) -> str | None:
    """The scheme of a ``history`` value that is a URL (lower case), None for a file path."""
    found = _URL.match(target)
    return found.group(1).lower() if found else None


def is_url(target: str) -> bool:
    """Whether a ``history`` value is a database URL (``postgresql://...``), not a file."""
    return _URL.match(target) is not None


def display_name(target: str) -> str:
    """How a ``history`` value is shown in messages: a URL without its password."""
    return redact(target) if is_url(target) else target


_MASK = "***"
_SECRET_PARAMS = frozenset({"password", "sslpassword"})


def redact(url: str) -> str:
    """``url`` with its password (user info and ``?password=``) replaced by ``***``."""
    try:
        parts = urlsplit(url)
        netloc = parts.netloc
        if "@" in netloc:
            user_info, _, hosts = netloc.rpartition("@")
            if ":" in user_info:
                user_info = user_info.split(":", 1)[0] + ":" + _MASK
            netloc = f"{user_info}@{hosts}"
        query = parts.query
        if query:
            pairs = parse_qsl(query, keep_blank_values=True)
            query = urlencode(
                [(k, _MASK if k.lower() in _SECRET_PARAMS else v) for k, v in pairs], safe="*/"
            )
        # (urlunsplit would drop the empty host of postgresql:///dbname)
        text = f"{parts.scheme}://{netloc}{parts.path}"
        return (
            text + (f"?{query}" if query else "") + (f"#{parts.fragment}" if parts.fragment else "")
        )
    except ValueError:  # not even a URL: show only the scheme
        scheme = url.split("://", 1)[0]
        return f"{scheme}://{_MASK}"


def _secrets(url: str) -> list[str]:
    """The password(s) in ``url``, as written and decoded (to scrub from messages)."""
    found: list[str] = []
    try:
        parts = urlsplit(url)
        user_info = parts.netloc.rpartition("@")[0]
        if ":" in user_info:
            found.append(user_info.split(":", 1)[1])
        found += [v for k, v in parse_qsl(parts.query) if k.lower() in _SECRET_PARAMS]
    except ValueError:
        pass
    out: set[str] = set()
    for secret in found:
        if secret:
            out.update({secret, unquote(secret), quote(unquote(secret), safe="")})
    return sorted(out, key=len, reverse=True)


def scrub(message: str, url: str) -> str:
    """A driver's message without the URL's password, on one line."""
    for secret in _secrets(url):
        message = message.replace(secret, _MASK)
    message = re.sub(r"(?i)(password\s*=\s*)(\S+)", rf"\1{_MASK}", message)
    return " ".join(line.strip() for line in message.strip().splitlines() if line.strip())


def without_values(message: str) -> str:
    """A server message with its quoted values taken out (an error about a row may quote a
    member id): ``"..."`` and ``'...'`` become ``"…"``."""
    return re.sub(r"\"[^\"]*\"|'[^']*'", '"…"', message)
