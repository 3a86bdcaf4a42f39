"""Configuration: ``[tool.claimlint]`` in pyproject.toml, or claimlint.toml.

Found by walking up from the current directory (the first claimlint.toml, or pyproject.toml with
a ``[tool.claimlint]`` table, wins), or given with ``--config``. Keys are kebab-case like ruff's;
an unknown key is an error that names the key and the file. Command-line options override it.
"""

from __future__ import annotations

import datetime as dt
import errno
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from claimlint.core.findings import Severity


class ConfigError(Exception):
    """Invalid configuration; the message names the file and key."""


#: a database URL (``history = "postgresql://..."``): kept as written, not resolved as a path
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")


@dataclass(slots=True)
class IgnoreEntry:
    """A targeted suppression: ``[[tool.claimlint.ignore]]`` with a required reason."""

    code: str
    reason: str
    path: str | None = None
    claim_id: str | None = None


@dataclass(slots=True)
class Config:
    select: list[str] = field(default_factory=lambda: ["ALL"])
    ignore: list[str] = field(default_factory=list)
    extend_select: list[str] = field(default_factory=list)
    ignore_entries: list[IgnoreEntry] = field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    severity: dict[str, Severity] = field(default_factory=dict)
    fail_on: Severity = Severity.ERROR
    format: str = "text"
    output: dict[str, str] = field(default_factory=dict)
    show_values: bool = False
    baseline: str | None = None
    profiles: list[str] = field(default_factory=list)
    payers: dict[str, str] = field(default_factory=dict)
    #: a SQLite file or a ``postgresql://`` URL (not in the repr: a URL may hold a password)
    history: str | None = field(default=None, repr=False)
    tooth_numbering: str | None = None
    csv_mapping: str | None = None
    jobs: int = 1
    today: dt.date | None = None
    #: folder walks (claimlint.readers.discovery): None keeps the default exclusions; anchored
    #: patterns (with a slash) are absolute once read from a file or the command line
    exclude: list[str] | None = None
    extend_exclude: list[str] = field(default_factory=list)
    respect_gitignore: bool = True
    force_exclude: bool = False
    #: ``[tool.claimlint.plugins.<name>]``: each plugin's own table, by entry-point name,
    #: as written (validated by the plugin when the engine starts, see ``claimlint.plugins``)
    plugins: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: the validated options of each configured plugin's checks, by check code (filled by
    #: :func:`claimlint.plugins.resolve_plugin_options`)
    check_options: dict[str, Any] | None = None
    #: where the configuration came from (None: defaults); relative paths resolve against it
    source: Path | None = None
    #: the values of the path keys (profiles, history, ...) as the file set them, resolved:
    #: an error about such a path also names the file (see :func:`set_by_file`)
    file_values: dict[str, Any] = field(default_factory=dict)

    def resolve(self, value: str) -> str:
        """A path from the config file, relative to that file's folder."""
        if self.source is None:
            return value
        path = Path(value)
        return str(path if path.is_absolute() else self.source.parent / path)


def is_anchored(pattern: str) -> bool:
    """gitignore's rule: a slash at the start or in the middle anchors a pattern to a folder."""
    return "/" in pattern.rstrip("/")


def anchor_pattern(pattern: str, base: Path) -> str:
    """An exclusion pattern with a slash made absolute under ``base`` (a leading slash means
    ``base``, as in .gitignore); glob characters in ``base`` itself are escaped."""
    if not is_anchored(pattern):
        return pattern
    root = Path(base).absolute().as_posix().rstrip("/")
    escaped = "".join("\\" + c if c in "*?[]\\" else c for c in root)
    return f"{escaped}/{pattern.lstrip('/')}"


def _patterns(value: Any, key: str, file: Path) -> list[str]:
    patterns = _str_list(value, key, file)
    return [anchor_pattern(p, file.parent) for p in patterns]


def short_path(path: str | Path, limit: int = 120) -> str:
    """A path for a message, its middle elided when longer than ``limit`` characters (a
    mutated configuration can hold a 400-character file name)."""
    text = str(path)
    if len(text) <= limit:
        return text
    keep = (limit - 1) // 2
    return f"{text[:keep]}...{text[-keep:]}"


#: a path that does not exist (yet) is not the configuration's fault at load time
_ABSENT = (errno.ENOENT, errno.ENOTDIR)


def _path(value: str, key: str, file: Path) -> str:
    """A path value resolved against the file's folder; a path the system cannot even look up
    (a file name over 255 bytes, a NUL) is a ConfigError naming the file and key."""
    try:
        os.stat(value)
    except OSError as exc:
        if exc.errno not in _ABSENT:
            raise ConfigError(
                f"{file}: '{key}': cannot use the path {short_path(value)}: {exc.strerror or exc}"
            ) from None
    except ValueError:  # an embedded NUL
        raise ConfigError(f"{file}: '{key}': the path contains a NUL character") from None
    return value


def set_by_file(config: Config, key: str, value: str | Path | None = None) -> str:
    """`` (set by 'KEY' in FILE)`` when the configuration file set ``key`` and the command line
    did not replace it (``value``: the path at fault, one of the file's values for a list
    key); else ``""``. An exit-2 message about a path then names the file that holds it."""
    if config.source is None or key not in config.file_values:
        return ""
    from_file = config.file_values[key]
    attr = key.replace("-", "_")
    if getattr(config, attr, None) != from_file:
        return ""  # the command line replaced it
    values = from_file if isinstance(from_file, list) else [from_file]
    if value is not None and str(value) not in {*map(str, values), *(str(Path(v)) for v in values)}:
        return ""
    return f" (set by '{key}' in {config.source})"


def _str_list(value: Any, key: str, file: Path) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise ConfigError(f"{file}: '{key}' must be a list of strings")


def _ignore(value: Any, file: Path) -> tuple[list[str], list[IgnoreEntry]]:
    codes: list[str] = []
    entries: list[IgnoreEntry] = []
    items = value if isinstance(value, list) else [value]
    for i, item in enumerate(items):
        if isinstance(item, str):
            codes.append(item)
            continue
        if not isinstance(item, dict):
            raise ConfigError(f"{file}: 'ignore' entries must be codes or tables")
        unknown = set(item) - {"code", "path", "claim-id", "claim_id", "reason"}
        if unknown:
            raise ConfigError(f"{file}: unknown key '{sorted(unknown)[0]}' in ignore entry {i + 1}")
        if not isinstance(item.get("code"), str) or not item["code"].strip():
            raise ConfigError(f"{file}: ignore entry {i + 1} needs a 'code'")
        reason = item.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise ConfigError(
                f"{file}: ignore entry {i + 1} ({item['code']}) needs a 'reason' saying why"
            )
        entries.append(
            IgnoreEntry(
                code=item["code"].strip().upper(),
                reason=reason.strip(),
                path=item.get("path"),
                claim_id=item.get("claim-id", item.get("claim_id")),
            )
        )
    return codes, entries


def _severity(value: Any, key: str, file: Path) -> Severity:
    if not isinstance(value, str):
        raise ConfigError(f"{file}: '{key}' must be error, warning or info")
    try:
        return Severity.parse(value)
    except ValueError as exc:
        raise ConfigError(f"{file}: '{key}': {exc}") from None


def _table(value: Any, key: str, file: Path) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"{file}: '{key}' must be a table")
    return value


def _parse(table: dict[str, Any], file: Path) -> Config:
    cfg = Config(source=file)
    for key, value in table.items():
        if key == "select":
            cfg.select = _str_list(value, key, file)
        elif key == "extend-select":
            cfg.extend_select = _str_list(value, key, file)
        elif key == "ignore":
            cfg.ignore, cfg.ignore_entries = _ignore(value, file)
        elif key == "per-file-ignores":
            cfg.per_file_ignores = {
                str(k): _str_list(v, f"{key}.{k}", file)
                for k, v in _table(value, key, file).items()
            }
        elif key == "severity":
            cfg.severity = {
                str(k).upper(): _severity(v, f"{key}.{k}", file)
                for k, v in _table(value, key, file).items()
            }
        elif key == "fail-on":
            cfg.fail_on = _severity(value, key, file)
        elif key == "format":
            if not isinstance(value, str):
                raise ConfigError(f"{file}: 'format' must be a string")
            cfg.format = value
        elif key == "output":
            cfg.output = {
                str(k): _path(str(v), f"output.{k}", file)
                for k, v in _table(value, key, file).items()
            }
        elif key == "show-values":
            cfg.show_values = bool(value)
        elif key == "baseline":
            cfg.baseline = _path(cfg.resolve(str(value)), key, file)
            cfg.file_values[key] = cfg.baseline
        elif key == "profiles":
            cfg.profiles = [_path(cfg.resolve(p), key, file) for p in _str_list(value, key, file)]
            cfg.file_values[key] = list(cfg.profiles)
        elif key == "payers":
            cfg.payers = {str(k): str(v) for k, v in _table(value, key, file).items()}
        elif key == "history":
            text = str(value)
            # a database URL (postgresql://...) is not a path relative to the file
            cfg.history = text if _URL.match(text) else _path(cfg.resolve(text), key, file)
            cfg.file_values[key] = cfg.history
        elif key == "tooth-numbering":
            if value not in ("universal", "iso"):
                raise ConfigError(f"{file}: 'tooth-numbering' must be 'universal' or 'iso'")
            cfg.tooth_numbering = value
        elif key == "csv-mapping":
            cfg.csv_mapping = _path(str(value), key, file)
            cfg.file_values[key] = cfg.csv_mapping
        elif key == "jobs":
            if not isinstance(value, int) or value < 1:
                raise ConfigError(f"{file}: 'jobs' must be a positive integer")
            cfg.jobs = value
        elif key == "plugins":
            cfg.plugins = {}
            for name, options in _table(value, key, file).items():
                cfg.plugins[str(name)] = dict(_table(options, f"plugins.{name}", file))
        elif key == "exclude":
            cfg.exclude = _patterns(value, key, file)
        elif key == "extend-exclude":
            cfg.extend_exclude = _patterns(value, key, file)
        elif key in ("respect-gitignore", "force-exclude"):
            if not isinstance(value, bool):
                raise ConfigError(f"{file}: '{key}' must be true or false")
            setattr(cfg, key.replace("-", "_"), value)
        elif key == "today":
            if not isinstance(value, dt.date):
                raise ConfigError(f"{file}: 'today' must be a date (YYYY-MM-DD)")
            cfg.today = value
        else:
            raise ConfigError(f"{file}: unknown key '{key}' in claimlint configuration")
    return cfg


KNOWN_KEYS = (
    "select", "extend-select", "ignore", "per-file-ignores", "severity", "fail-on", "format",
    "output", "show-values", "baseline", "profiles", "payers", "history", "tooth-numbering",
    "csv-mapping", "jobs", "today", "plugins", "exclude", "extend-exclude", "respect-gitignore",
    "force-exclude",
)  # fmt: skip


def read_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML configuration file; every problem is a ConfigError naming the file (and
    the line, for syntax errors): unreadable, not UTF-8 (UTF-16 is named), nested too deep."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(
            f"{short_path(path)}: cannot read configuration: {exc.strerror or exc}"
        ) from None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ConfigError(f"{path}: the file is UTF-16; save it as UTF-8")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(f"{path}: line {line}: not UTF-8 text; save it as UTF-8") from None
    import tomllib  # here: a run without a configuration file does not import the parser

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except ValueError:  # an integer beyond Python's int-conversion limit (thousands of digits)
        raise ConfigError(f"{path}: invalid TOML: a number is far too long") from None
    except RecursionError:
        raise ConfigError(f"{path}: invalid TOML: values nested too deeply") from None


def _claimlint_table(data: dict[str, Any], path: Path) -> Any:
    tool = data.get("tool")
    if tool is None:
        return None
    if not isinstance(tool, dict):
        raise ConfigError(f"{path}: 'tool' must be a table")
    return tool.get("claimlint")


def load_file(path: Path) -> Config:
    data = read_toml(path)
    table = _claimlint_table(data, path)
    if table is None:
        if path.name == "pyproject.toml":
            return Config(source=path)
        table = data
    return _parse(_table(table, "tool.claimlint", path), path)


def find_config(start: Path) -> Path | None:
    """The configuration file for ``start``: the first claimlint.toml, or pyproject.toml with
    a ``[tool.claimlint]`` table, walking up. A pyproject.toml that cannot be parsed but
    mentions claimlint would have been the source: it is an error naming file and line."""
    start = start.resolve()
    for folder in (start, *start.parents):
        candidate = folder / "claimlint.toml"
        if candidate.is_file():
            return candidate
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file():
            try:
                data = read_toml(pyproject)
                if isinstance(data.get("tool"), dict) and "claimlint" in data["tool"]:
                    return pyproject
            except ConfigError:
                if _mentions_claimlint(pyproject):
                    raise
                continue
    return None


def _mentions_claimlint(path: Path) -> bool:
    try:
        return b"claimlint" in path.read_bytes().replace(b"\x00", b"").lower()
    except OSError:
        return False


def load_config(explicit: str | None = None, start: Path | None = None) -> Config:
    if explicit:
        return load_file(Path(explicit))
    found = find_config(start or Path.cwd())
    return load_file(found) if found else Config()
