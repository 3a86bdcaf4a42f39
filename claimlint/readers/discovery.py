"""Which files a folder walk reads, like ruff: ``exclude``, ``extend-exclude``, ``.gitignore``.

* **Exclusions.** ``exclude`` (default :data:`DEFAULT_EXCLUDE`) and ``extend-exclude`` are
  gitignore-style glob patterns. A pattern without a slash (``build``, ``*.bak.csv``) matches a
  file or folder of that name anywhere in the walk; a pattern with a slash (``exports/old/``,
  ``data/*.csv``) is anchored at the folder of the configuration file (the current directory
  for the command line). An excluded folder is not entered.
* **.gitignore.** With ``respect-gitignore`` (the default) a walk skips what git ignores: the
  ``.gitignore`` of each folder applies to that folder and below, together with those of the
  folders above it up to the repository root and ``.git/info/exclude`` (matching by
  ``pathspec``, git's own rules: the deeper file wins, ``!`` re-includes).
* **Explicit paths.** A file or folder named on the command line is always read, even when it
  matches an exclusion, unless ``force-exclude`` is set (ruff's ``--force-exclude``, which is
  what a pre-commit hook wants: it passes file names). ``.gitignore`` never applies to them.
* **Not a claim file.** A walk meets other people's files: a ``package.json``, a ``pom.xml``, a
  report CSV. Such a file (:func:`not_a_claim_file`: positive evidence only, e.g. an XML root
  that is not ``<batch>``, a CSV header without a claim id or procedure code column) is passed
  over with a note naming the file and the reason, never its content. A file that may be a
  broken claim file is read, so that its problems are reported. Named on the command line the
  same file is read and its problems are errors, as before.

This module finds paths; turning a path that cannot be listed into a CL001 finding is the
engine's job (:class:`WalkError`).
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from claimlint.core.config import anchor_pattern, is_anchored

if TYPE_CHECKING:
    from pathspec import GitIgnoreSpec

    from claimlint.core.config import Config

#: ruff's default exclusions, plus ``__pycache__`` and ``.idea``
DEFAULT_EXCLUDE: tuple[str, ...] = (
    ".bzr", ".direnv", ".eggs", ".git", ".git-rewrite", ".hg", ".idea", ".ipynb_checkpoints",
    ".mypy_cache", ".nox", ".pants.d", ".pyenv", ".pytest_cache", ".pytype", ".ruff_cache",
    ".svn", ".tox", ".venv", ".vscode", "__pycache__", "__pypackages__", "_build", "buck-out",
    "build", "dist", "node_modules", "site-packages", "venv",
)  # fmt: skip

#: how many bytes of a walked file are looked at to tell whether it is a claim file
HEAD_BYTES = 64 * 1024
#: a JSON file larger than this that does not show a claim key early is read as a claim file
MAX_JSON_SNIFF = 64 * 1024 * 1024


@dataclass(slots=True)
class WalkError:
    """A path a walk could not list or stat (the engine makes it a CL001)."""

    path: str
    error: OSError
    broken_symlink: bool = False


@dataclass(slots=True)
class Discovery:
    """Walk settings (``Discovery.from_config(config)``); patterns as in the module docstring.

    Anchored patterns (with a slash) are relative to ``base`` unless absolute; ``base`` None is
    the current directory.
    """

    exclude: Sequence[str] = DEFAULT_EXCLUDE
    extend_exclude: Sequence[str] = ()
    respect_gitignore: bool = True
    force_exclude: bool = False
    csv_mapping: str | None = None
    base: Path | None = None
    _names: GitIgnoreSpec | None = field(default=None, init=False, repr=False)
    _anchored: GitIgnoreSpec | None = field(default=None, init=False, repr=False)

    @classmethod
    def from_config(cls, config: Config) -> Discovery:
        return cls(
            exclude=DEFAULT_EXCLUDE if config.exclude is None else tuple(config.exclude),
            extend_exclude=tuple(config.extend_exclude),
            respect_gitignore=config.respect_gitignore,
            force_exclude=config.force_exclude,
            csv_mapping=config.csv_mapping,
            base=config.source.parent if config.source is not None else None,
        )

    # -- exclusions -----------------------------------------------------------------------

    def _specs(self) -> tuple[GitIgnoreSpec, GitIgnoreSpec]:
        if self._names is None:
            from pathspec import GitIgnoreSpec

            base = _absolute(self.base or Path.cwd())
            names: list[str] = []
            anchored: list[str] = []
            for pattern in (*self.exclude, *self.extend_exclude):
                pattern = pattern.strip()
                if not pattern or pattern.startswith("#"):
                    continue
                if is_anchored(pattern):
                    anchored.append(_anchored_spec_line(pattern, base))
                else:
                    names.append(pattern)
            self._names = GitIgnoreSpec.from_lines(names)
            self._anchored = GitIgnoreSpec.from_lines(anchored)
        assert self._anchored is not None
        return self._names, self._anchored

    def excluded_entry(self, path: Path, *, is_dir: bool) -> bool:
        """Whether a file or folder met in a walk matches an exclusion (its name, or its
        absolute path for anchored patterns)."""
        names, anchored = self._specs()
        slash = "/" if is_dir else ""
        if names.match_file(path.name + slash):
            return True
        return bool(anchored.match_file(_absolute(path).as_posix().lstrip("/") + slash))

    def excluded_explicit(self, path: Path) -> bool:
        """For ``force-exclude``: whether a path named on the command line, or a folder it is
        in, matches an exclusion (only the folders below the current directory or, for a path
        outside it, only the path's name)."""
        names, anchored = self._specs()
        absolute = _absolute(path)
        if anchored.match_file(absolute.as_posix().lstrip("/")):
            return True
        parts: tuple[str, ...] = ()
        for top in (self.base, Path.cwd()):
            if top is not None and absolute.is_relative_to(_absolute(top)):
                parts = absolute.relative_to(_absolute(top)).parts
                break
        else:  # outside the project: the folders as written (../vendor/x.json), or the name
            relative = tuple(p for p in path.parts if p not in ("..", "."))
            parts = relative if not path.is_absolute() else (absolute.name,)
        for i, name in enumerate(parts):
            is_dir = i < len(parts) - 1 or absolute.is_dir()
            if names.match_file(name + ("/" if is_dir else "")):
                return True
        return False

    # -- walking --------------------------------------------------------------------------

    def walk(
        self, folder: Path, suffixes: Iterable[str], notes: list[str] | None
    ) -> Iterator[Path | WalkError]:
        """The files under ``folder`` with one of ``suffixes``, sorted; hidden files and folders,
        exclusions, git-ignored paths and files that are not claim files left out (the latter
        with a note in ``notes``, as are FIFOs, sockets and devices)."""
        suffixes = frozenset(suffixes)
        failed: list[OSError] = []
        ignores: dict[str, list[tuple[Path, GitIgnoreSpec]]] = {
            str(folder): _outer_ignores(folder) if self.respect_gitignore else []
        }
        for root, dirs, files in os.walk(folder, onerror=failed.append):
            # os.walk reports a folder it cannot list through onerror, before moving on
            while failed:
                exc = failed.pop(0)
                yield WalkError(str(exc.filename or root), exc)
            here = Path(root)
            specs = ignores.pop(root, [])
            if self.respect_gitignore:
                own = _load_ignore(here / ".gitignore")
                if own is not None:
                    specs = [*specs, (here, own)]
            kept = []
            for name in sorted(dirs):
                child = here / name
                if (
                    name.startswith(".")
                    or self.excluded_entry(child, is_dir=True)
                    or _ignored(child, specs, is_dir=True)
                ):
                    continue
                kept.append(name)
                ignores[str(child)] = specs
            dirs[:] = kept
            for name in sorted(files):
                child = here / name
                if name.startswith(".") or child.suffix.lower() not in suffixes:
                    continue
                if self.excluded_entry(child, is_dir=False) or _ignored(child, specs, is_dir=False):
                    continue
                try:
                    st = child.stat()
                except OSError as exc:  # a broken symlink or a symlink loop
                    broken = isinstance(exc, FileNotFoundError) and child.is_symlink()
                    yield WalkError(str(child), exc, broken_symlink=broken)
                    continue
                if not stat.S_ISREG(st.st_mode):
                    if notes is not None:
                        notes.append(
                            f"skipped {child}: not a regular file (a pipe, socket or device)"
                        )
                    continue
                reason = not_a_claim_file(child, self.csv_mapping)
                if reason is not None:
                    if notes is not None:
                        notes.append(f"skipped {child}: {reason}")
                    continue
                yield child
        for error in failed:
            yield WalkError(str(error.filename or folder), error)


def _absolute(path: Path) -> Path:
    return Path(os.path.abspath(path))


def _anchored_spec_line(pattern: str, base: Path) -> str:
    """An anchored pattern as matched against absolute paths: kept when absolute (the
    configuration and the command line make theirs absolute), else relative to ``base``."""
    if pattern.startswith("/") or Path(pattern).is_absolute():
        return pattern
    return anchor_pattern(pattern, base)


# -- .gitignore ---------------------------------------------------------------------------


def _load_ignore(path: Path) -> GitIgnoreSpec | None:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:  # absent (the usual case) or unreadable: nothing is ignored by it
        return None
    from pathspec import GitIgnoreSpec

    spec = GitIgnoreSpec.from_lines(text.splitlines())
    return spec if len(spec) else None


def _outer_ignores(folder: Path) -> list[tuple[Path, GitIgnoreSpec]]:
    """The ignore files above ``folder`` that apply to it: those of the folders from the git
    repository's root down to ``folder``'s parent, and ``.git/info/exclude``. Outside a git
    repository only the walked folders' own .gitignore files count."""
    folder = _absolute(folder)
    chain = [folder, *folder.parents]
    top = next((p for p in chain if (p / ".git").exists()), None)
    if top is None:
        return []
    specs: list[tuple[Path, GitIgnoreSpec]] = []
    info = _load_ignore(top / ".git" / "info" / "exclude")
    if info is not None:
        specs.append((top, info))
    for parent in reversed(chain[1 : chain.index(top) + 1]):
        spec = _load_ignore(parent / ".gitignore")
        if spec is not None:
            specs.append((parent, spec))
    return specs


def _ignored(path: Path, specs: list[tuple[Path, GitIgnoreSpec]], *, is_dir: bool) -> bool:
    """git's verdict: the last matching pattern of the deepest ignore file that has one."""
    verdict: bool | None = None
    absolute = _absolute(path) if specs else path
    for base, spec in specs:
        try:
            rel = absolute.relative_to(_absolute(base)).as_posix()
        except ValueError:
            continue
        result = spec.check_file(rel + ("/" if is_dir else "")).include
        if result is not None:
            verdict = result
    return bool(verdict)


# -- is it a claim file? --------------------------------------------------------------------

#: top-level keys of a JSON claim batch that only a claim batch has
_BATCH_KEYS = frozenset({"claims", "history", "payers", "tooth_numbering"})
#: keys that make a JSON object a claim record
_CLAIM_KEYS = frozenset({"claim_id", "lines", "billing_provider", "total_charge", "payer_id"})
_CDT_CODE = re.compile(r"(?<![A-Za-z0-9])D\d{4}(?![0-9])")
_JSON_MARKERS = (b'"claims"', b'"claim_id"', b'"history"', b'"payers"', b'"tooth_numbering"')


def not_a_claim_file(path: Path, csv_mapping: str | None = None) -> str | None:
    """Why a file met in a folder walk is not a claim file, or None when it is or may be one.

    Only positive evidence counts (an unreadable, empty or malformed file may be a broken claim
    file: it is read and its problems reported). The reason never quotes the content."""
    from claimlint.readers.base import SUFFIXES

    fmt = SUFFIXES.get(path.suffix.lower())
    try:
        with path.open("rb") as fh:
            head = fh.read(HEAD_BYTES)
    except OSError:
        return None
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    if (
        not head.strip()
        or head[:2] in (b"\xff\xfe", b"\xfe\xff")
        or head[:4] == b"\x00\x00\xfe\xff"
    ):
        return None  # empty, or UTF-16/32: left to the reader
    if fmt == "csv":
        return _csv_reason(head, csv_mapping)
    if fmt == "xml":
        return _xml_reason(path)
    if fmt == "json":
        return _json_reason(path, head)
    if fmt == "jsonl":
        return _jsonl_reason(head)
    return None


@lru_cache(maxsize=8)
def _csv_lookups(csv_mapping: str | None) -> tuple[dict[str, str], ...] | None:
    """Header lookups of the configured, default and built-in mappings (None: a bad mapping,
    which the reader reports)."""
    from claimlint.readers.mappings import MappingError, builtin_names, load_mapping

    specs: list[str | None] = [None, *builtin_names()]
    if csv_mapping:
        specs.insert(0, csv_mapping)
    try:
        return tuple(load_mapping(spec).lookup() for spec in specs)
    except (MappingError, OSError):
        return None


def _csv_reason(head: bytes, csv_mapping: str | None) -> str | None:
    import csv

    from claimlint.readers.mappings import REQUIRED

    text = head.decode("utf-8", errors="replace")
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    lookups = _csv_lookups(csv_mapping)
    if "\x00" in first or lookups is None:
        return None
    for delimiter in ",;\t|":
        cells = next(csv.reader([first], delimiter=delimiter), [])
        names = {" ".join(cell.strip().lower().split()) for cell in cells}
        if any(lookup.get(name) in REQUIRED for lookup in lookups for name in names):
            return None
    if _CDT_CODE.search(text):  # claim rows whose header is missing: the reader says so
        return None
    return "not a claim file (no claim id or procedure code column, no CDT code)"


def _xml_reason(path: Path) -> str | None:
    from lxml import etree

    from claimlint.readers.xml import _parser_args

    try:
        with path.open("rb") as fh:
            for _event, elem in etree.iterparse(fh, events=("start",), **_parser_args()):
                if etree.QName(elem).localname == "batch":
                    return None
                return "not a claim file (an XML document whose root element is not <batch>)"
    except (etree.XMLSyntaxError, OSError, ValueError):
        return None
    return None


def _json_reason(path: Path, head: bytes) -> str | None:
    import orjson

    if any(marker in head for marker in _JSON_MARKERS):
        return None
    try:
        if path.stat().st_size > MAX_JSON_SNIFF:
            return None
        data = orjson.loads(path.read_bytes().removeprefix(b"\xef\xbb\xbf"))
    except (OSError, orjson.JSONDecodeError, UnicodeDecodeError):
        return None
    if isinstance(data, dict):  # (an empty object may be a failed export: it is read)
        if not data or _BATCH_KEYS & set(data) or "claim" in str(data.get("$schema", "")):
            return None
        return "not a claim file (a JSON object without a 'claims' list)"
    if isinstance(data, list):
        if not data or any(isinstance(item, dict) and _CLAIM_KEYS & set(item) for item in data):
            return None
        return "not a claim file (a JSON list without claim records)"
    return "not a claim file (a JSON value that is not a claim batch)"


def _jsonl_reason(head: bytes) -> str | None:
    import orjson

    first = next((ln for ln in head.splitlines() if ln.strip()), b"")
    try:
        data = orjson.loads(first)
    except orjson.JSONDecodeError:
        return None
    if isinstance(data, dict) and (not data or _CLAIM_KEYS & set(data)):
        return None
    return "not a claim file (its first line is not a claim record)"
