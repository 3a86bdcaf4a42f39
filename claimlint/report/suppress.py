"""Suppressions that live outside the data (claim files cannot hold ``# noqa`` comments).

Three mechanisms, applied in this order after the engine has fingerprinted the findings; a
finding is taken out by the first that matches:

1. ``per-file-ignores`` — ruff style, ``{"legacy/**/*.json" = ["CL301", "CL4"]}``: glob → rule
   codes, prefixes or names. Globs are matched against the path as given, the path relative to
   the configuration file's folder, and (for patterns without ``/``) the file name. ``*`` and
   ``?`` stay within a folder, ``**`` crosses folders, a trailing ``/`` means "everything under".
2. ``[[tool.claimlint.ignore]]`` entries — ``code`` (code, prefix or name), optional ``path``
   (glob, as above), optional ``claim_id`` (exact, or a glob such as ``PCN10*``) and a required
   ``reason``. A missing reason is a configuration error naming the entry.
3. The baseline — a JSON file of finding fingerprints (``--write-baseline FILE`` writes it;
   ``baseline = "FILE"`` in the configuration reads it). Fingerprints are keyed hashes of rule,
   file, claim id, service line and field: no physical line numbers (reformatting a file does not
   invalidate the baseline) and no raw claim data. Each entry also keeps a keyed hash of its
   file, so that a run over some files (pre-commit passes only the changed ones) does not call
   the other files' entries stale.

What did nothing is reported: baseline entries that no longer match a finding (stale) and ignores
that suppressed nothing. Both only count files that were part of the run and rules that were
selected, so partial runs do not produce false alarms. Notes go to ``report.notes`` (printed on
stderr) and a structured account to ``report.suppressions`` (the ``"suppressions"`` key of the
JSON report).
"""

from __future__ import annotations

import os
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any

import orjson

from claimlint.core.config import Config, ConfigError, IgnoreEntry
from claimlint.core.findings import Finding, Report, fingerprint, is_read_failure, project_path

BASELINE_VERSION = 1
PER_FILE = "per-file-ignores"
IGNORE = "ignore"
BASELINE = "baseline"


# -- matching ------------------------------------------------------------------------------


@lru_cache(maxsize=512)
def glob_regex(pattern: str) -> re.Pattern[str]:
    """Translate a path glob (``*``, ``?``, ``[...]``, ``**``) into a regex over ``/`` paths."""
    pat = pattern.replace("\\", "/")
    while pat.startswith("./"):
        pat = pat[2:]
    if pat.endswith("/"):
        pat += "**"
    out: list[str] = []
    i, n = 0, len(pat)
    while i < n:
        c = pat[i]
        if c == "*":
            if pat.startswith("**/", i):
                out.append("(?:.*/)?")
                i += 3
                continue
            if pat.startswith("**", i):
                out.append(".*")
                i += 2
                continue
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            end = pat.find("]", i + 2 if pat.startswith("[!", i) else i + 1)
            if end == -1:
                out.append(re.escape(c))
            else:
                body = pat[i + 1 : end]
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append(f"[{body.replace(chr(92), chr(92) * 2)}]")
                i = end + 1
                continue
        else:
            out.append(re.escape(c))
        i += 1
    return re.compile("".join(out) + r"\Z")


def _path_forms(file: str, root: Path | None) -> tuple[str, ...]:
    """The ways a finding's file may be named by a glob: as given, relative to the config
    folder, and by file name."""
    given = PurePosixPath(file.replace("\\", "/")).as_posix()
    while given.startswith("./"):
        given = given[2:]
    forms = [given]
    if root is not None and not file.startswith("<"):
        try:
            rel = Path(os.path.abspath(file)).relative_to(root)
            forms.append(rel.as_posix())
        except ValueError:
            pass
    return tuple(dict.fromkeys(forms))


def path_matches(pattern: str, file: str, root: Path | None) -> bool:
    regex = glob_regex(pattern)
    forms = _path_forms(file, root)
    if any(regex.match(f) for f in forms):
        return True
    if "/" not in pattern.rstrip("/"):
        return bool(regex.match(PurePosixPath(forms[0]).name))
    return False


def code_matches(selector: str, finding_code: str, finding_name: str) -> bool:
    """Same vocabulary as select/ignore: ``ALL``, a code, a code prefix, or a rule name."""
    sel = selector.strip()
    if sel.upper() == "ALL":
        return True
    return finding_code.startswith(sel.upper()) or finding_name == sel.lower()


def _selector_selected(selector: str, selected: Collection[str] | None) -> bool:
    """Could this selector match any selected rule? (unknown selection: assume yes)"""
    if selected is None:
        return True
    sel = selector.strip().upper()
    if sel == "ALL":
        return bool(selected)
    if any(code.startswith(sel) for code in selected):
        return True
    # a rule name (kebab-case) cannot be checked against codes alone: assume selected
    return "-" in sel


def _claim_matches(pattern: str | None, claim_id: str | None) -> bool:
    if pattern is None:
        return True
    if claim_id is None:
        return False
    return claim_id == pattern or fnmatchcase(claim_id, pattern)


# -- configuration -------------------------------------------------------------------------


def _root(config: Config) -> Path | None:
    return Path(os.path.abspath(config.source)).parent if config.source else None


def validate_ignores(config: Config) -> None:
    """Ignore entries need a code and a reason (the loader checks too; this covers Configs built
    in code)."""
    for i, entry in enumerate(config.ignore_entries, 1):
        if not entry.code or not entry.code.strip():
            raise ConfigError(f"ignore entry {i} needs a 'code'")
        if not entry.reason or not entry.reason.strip():
            where = f"{config.source}: " if config.source else ""
            raise ConfigError(
                f"{where}ignore entry {i} ({entry.code}) needs a 'reason' saying why it is ignored"
            )


def unknown_suppression_selectors(config: Config, rules: Iterable[tuple[str, str]]) -> list[str]:
    """Messages for ``[[tool.claimlint.ignore]]`` entries and ``per-file-ignores`` values that
    name no rule (a mistyped "CL999" would otherwise suppress nothing, silently).

    ``rules`` are the registry's (code, name) pairs. Each message names the configuration
    file, the entry and the unknown selector.
    """
    known = list(rules)

    def unknown(selector: str) -> bool:
        return not any(code_matches(selector, code, name) for code, name in known)

    where = f"{config.source}: " if config.source else ""
    out: list[str] = []
    for i, entry in enumerate(config.ignore_entries, 1):
        if unknown(entry.code):
            out.append(
                f"{where}{_describe_entry(i, entry)}: unknown rule selector {entry.code!r} "
                "(see 'claimlint rules')"
            )
    for pattern, selectors in config.per_file_ignores.items():
        for selector in selectors:
            if unknown(selector):
                out.append(
                    f"{where}per-file-ignores {pattern!r}: unknown rule selector {selector!r} "
                    "(see 'claimlint rules')"
                )
    return out


def check_suppression_selectors(config: Config, rules: Iterable[tuple[str, str]]) -> None:
    """Raise :class:`ConfigError` for the first unknown selector (exit code 2 in the CLI)."""
    problems = unknown_suppression_selectors(config, rules)
    if problems:
        raise ConfigError(problems[0])


def _describe_entry(i: int, entry: IgnoreEntry) -> str:
    parts = [entry.code]
    if entry.path:
        parts.append(f"path {entry.path!r}")
    if entry.claim_id:
        parts.append(f"claim {entry.claim_id}")
    return f"ignore entry {i} ({', '.join(parts)})"


# -- baseline ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BaselineEntry:
    fingerprint: str
    code: str
    file: str | None = None  # keyed hash of the file path

    def to_dict(self) -> dict[str, str]:
        data = {"fingerprint": self.fingerprint, "code": self.code}
        if self.file:
            data["file"] = self.file
        return data


def file_key(file: str, root: str | None = None) -> str:
    """A keyed hash of a file's project path (file names can carry patient or account names)."""
    return fingerprint("FILE", project_path(file, root), None, None, None)[:16]


def load_baseline(path: str | Path) -> list[BaselineEntry]:
    """Read a baseline file; a malformed one is a configuration error naming the file."""
    try:
        raw = Path(path).read_bytes()
        if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise ConfigError(f"baseline {path} is UTF-16; write a new one with --write-baseline")
        data = orjson.loads(raw)
    except OSError as exc:
        raise ConfigError(f"cannot read baseline {path}: {exc.strerror or exc}") from None
    except orjson.JSONDecodeError as exc:
        raise ConfigError(f"baseline {path} is not valid JSON: {exc}") from None
    if not isinstance(data, dict) or data.get("version") != BASELINE_VERSION:
        raise ConfigError(
            f"baseline {path} is not a claimlint baseline (version {BASELINE_VERSION}); "
            "write a new one with --write-baseline"
        )
    entries = data.get("entries")
    if not isinstance(entries, list):
        raise ConfigError(f"baseline {path}: 'entries' must be a list")
    out: list[BaselineEntry] = []
    for i, item in enumerate(entries, 1):
        if not (
            isinstance(item, dict)
            and isinstance(item.get("fingerprint"), str)
            and isinstance(item.get("code"), str)
        ):
            raise ConfigError(f"baseline {path}: entry {i} needs 'fingerprint' and 'code'")
        file = item.get("file")
        if file is not None and not isinstance(file, str):
            raise ConfigError(f"baseline {path}: entry {i}: 'file' must be a path or null")
        out.append(BaselineEntry(item["fingerprint"], item["code"], file if file else None))
    return out


def baseline_entries(findings: Iterable[Finding], root: str | None = None) -> list[BaselineEntry]:
    unique = {
        f.fingerprint: BaselineEntry(f.fingerprint, f.code, file_key(f.location.file, root))
        for f in findings
    }
    return sorted(unique.values(), key=lambda e: (e.code, e.fingerprint))


def dump_baseline(entries: Iterable[BaselineEntry]) -> bytes:
    data = {
        "version": BASELINE_VERSION,
        "tool": "claimlint",
        "comment": "Known findings, by keyed fingerprint. Regenerate with "
        "'claimlint check --write-baseline FILE'.",
        "entries": [e.to_dict() for e in entries],
    }
    return orjson.dumps(data, option=orjson.OPT_INDENT_2) + b"\n"


def _linted_files(report: Report) -> list[str]:
    files = [*report.files, *(f.location.file for f in report.findings)]
    files += [f.location.file for _, f in report.suppressed]
    return list(dict.fromkeys(files))


def write_baseline(
    report: Report, path: str | Path, *, selected_codes: Collection[str] | None = None
) -> str:
    """Write every current finding (and every finding the old baseline still matches) to
    ``path``, atomically, then take them out of the report: they are now known.

    Findings removed by ignores are not written (the ignore already covers them); stale entries
    are dropped. Entries of an existing baseline at ``path`` for files that were not part of
    this run, or rules that were not selected, are kept: writing a baseline from a partial run
    (some files, ``--select``) does not forget the rest. Returns a note for stderr.
    """
    from claimlint.report.output import atomic_write

    kept: list[BaselineEntry] = []
    target = Path(path)
    if target.exists():
        try:
            old = load_baseline(target)
        except ConfigError:
            old = []  # not a baseline we can read: replaced
        linted = {file_key(f, report.root) for f in _linted_files(report)}
        kept = [
            e
            for e in old
            if (e.file is not None and e.file not in linted)
            or (selected_codes is not None and e.code not in selected_codes)
        ]
    carried = [f for kind, f in report.suppressed if kind == BASELINE]
    known = [f for f in report.findings if not is_read_failure(f)]  # never baselined
    fresh = baseline_entries([*known, *carried], report.root)
    merged = {e.fingerprint: e for e in kept}
    merged.update({e.fingerprint: e for e in fresh})
    entries = sorted(merged.values(), key=lambda e: (e.code, e.fingerprint))
    data = dump_baseline(entries).decode()
    atomic_write(path, lambda fh: fh.write(data))

    newly = len(known)
    for f in known:
        report.suppressed.append((BASELINE, f))
    report.findings[:] = [f for f in report.findings if is_read_failure(f)]
    _recount(report)
    sup = report.suppressions if report.suppressions is not None else _empty_account()
    sup["suppressed"][BASELINE] += newly
    sup["suppressed"]["total"] += newly
    stale = 0
    if sup.get(BASELINE):
        stale = len(sup[BASELINE]["stale"])
        sup[BASELINE]["stale"] = []
    sup["written_baseline"] = {"path": str(path), "entries": len(entries)}
    report.suppressions = sup
    n = len(entries)
    note = f"wrote baseline {path} with {n} entr{'y' if n == 1 else 'ies'}"
    extras = []
    if kept:
        extras.append(f"kept {len(kept)} for files or rules outside this run")
    if stale:
        extras.append(f"dropped {stale} stale")
    if extras:
        note += f" ({'; '.join(extras)})"
    report.notes = [
        x
        for x in report.notes
        if "no longer match a finding" not in x and "does not exist yet" not in x
    ]
    report.notes.append(note)
    return note


# -- applying ------------------------------------------------------------------------------


def _empty_account() -> dict[str, Any]:
    return {
        "suppressed": {"total": 0, PER_FILE: 0, IGNORE: 0, BASELINE: 0},
        BASELINE: None,
        "unused_ignores": [],
    }


def _recount(report: Report) -> None:
    counts = {"error": 0, "warning": 0, "info": 0}
    for f in report.findings:
        counts[f.severity.value] += 1
    report.summary.by_severity = counts


class Suppressor:
    """The three suppressions, judged one finding at a time (``judge``), and the account of
    what they did (``account``) once every finding has been judged. ``apply_suppressions``
    runs it over a whole report; a streamed run (claimlint.running.streaming) calls ``judge``
    as each finding arrives, so that nothing but the counters is kept."""

    def __init__(self, config: Config, *, selected_codes: Collection[str] | None = None) -> None:
        validate_ignores(config)
        self.config = config
        self.selected_codes = selected_codes
        self.root = _root(config)
        self.account = _empty_account()
        self.notes: list[str] = []
        self.pfi = [(pat, sel) for pat, sels in config.per_file_ignores.items() for sel in sels]
        self.pfi_hits = dict.fromkeys(self.pfi, 0)
        self.entries = list(config.ignore_entries)
        self.entry_hits = [0] * len(self.entries)
        self.baseline: dict[str, BaselineEntry] = {}
        self.baseline_path = config.baseline
        if self.baseline_path:
            if Path(self.baseline_path).exists():
                self.baseline = {e.fingerprint: e for e in load_baseline(self.baseline_path)}
            else:
                self.notes.append(
                    f"baseline {self.baseline_path} does not exist yet; create it with "
                    f"'claimlint check --write-baseline {self.baseline_path} ...'"
                )
        self.matched_baseline: set[str] = set()
        self.active = bool(self.pfi or self.entries or self.baseline)

    def judge(self, f: Finding) -> str | None:
        """The suppression that takes ``f`` out (its kind), or None when it is kept. A
        per-file-ignore applies only to files it matches, and ``f``'s file is part of the run,
        so matching the finding's file is the whole test."""
        if not self.active or is_read_failure(f):  # an unreadable file is never suppressed
            return None
        root = self.root
        kind: str | None = None
        for key in self.pfi:
            pat, sel = key
            if code_matches(sel, f.code, f.name) and path_matches(pat, f.location.file, root):
                self.pfi_hits[key] += 1
                kind = PER_FILE
                break
        if kind is None:
            for i, entry in enumerate(self.entries):
                if (
                    code_matches(entry.code, f.code, f.name)
                    and _claim_matches(entry.claim_id, f.location.claim_id)
                    and (entry.path is None or path_matches(entry.path, f.location.file, root))
                ):
                    self.entry_hits[i] += 1
                    kind = IGNORE
                    break
        if kind is None and f.fingerprint and f.fingerprint in self.baseline:
            self.matched_baseline.add(f.fingerprint)
            kind = BASELINE
        if kind is not None:
            self.account["suppressed"][kind] += 1
            self.account["suppressed"]["total"] += 1
        return kind

    def finish(self, linted: list[str], report_root: str | None) -> list[str]:
        """The account of the run (``self.account``) and its notes: ignores that suppressed
        nothing, stale baseline entries. ``linted``: every file of the run and every file a
        finding (kept or suppressed) names."""
        account, notes, root = self.account, self.notes, self.root
        selected_codes = self.selected_codes
        pfi_files: dict[str, bool] = {
            pat: any(path_matches(pat, f, root) for f in linted)
            for pat in self.config.per_file_ignores
        }
        unused: list[dict[str, Any]] = account["unused_ignores"]
        for (pat, sel), hits in self.pfi_hits.items():
            if hits == 0 and pfi_files[pat] and _selector_selected(sel, selected_codes):
                unused.append({"kind": PER_FILE, "pattern": pat, "code": sel})
                notes.append(
                    f"per-file-ignores {pat!r} = {sel} suppressed nothing in this run; "
                    "remove it if the problem is fixed"
                )
        for i, (entry, hits) in enumerate(zip(self.entries, self.entry_hits, strict=True), 1):
            applicable = entry.path is None or any(
                path_matches(entry.path, f, root) for f in linted
            )
            if hits == 0 and applicable and _selector_selected(entry.code, selected_codes):
                unused.append(
                    {
                        "kind": IGNORE,
                        "index": i,
                        "code": entry.code,
                        "path": entry.path,
                        "claim_id": entry.claim_id,
                        "reason": entry.reason,
                    }
                )
                notes.append(
                    f"{_describe_entry(i, entry)} suppressed nothing in this run; "
                    "remove it if the problem is fixed"
                )

        baseline_path, baseline = self.baseline_path, self.baseline
        if baseline_path and baseline:
            linted_keys = {file_key(f, report_root) for f in linted}
            stale = [
                e
                for fp, e in baseline.items()
                if fp not in self.matched_baseline
                and (e.file is None or e.file in linted_keys)
                and (selected_codes is None or e.code in selected_codes)
            ]
            account[BASELINE] = {
                "path": str(baseline_path),
                "entries": len(baseline),
                "matched": len(self.matched_baseline),
                "stale": [e.to_dict() for e in stale],
            }
            if stale:
                n = len(stale)
                entries_text = (
                    "1 entry no longer matches" if n == 1 else f"{n} entries no longer match"
                )
                notes.append(
                    f"baseline {baseline_path}: {entries_text} a finding (fixed, or the claim "
                    f"changed); refresh it with "
                    f"'--write-baseline {baseline_path}'"
                )
        elif baseline_path:
            account[BASELINE] = {
                "path": str(baseline_path),
                "entries": 0,
                "matched": 0,
                "stale": [],
            }

        total = account["suppressed"]["total"]
        if total:
            parts = [
                f"{account['suppressed'][k]} by {k}"
                for k in (PER_FILE, IGNORE, BASELINE)
                if account["suppressed"][k]
            ]
            notes.insert(
                0, f"{total} finding{'' if total == 1 else 's'} suppressed ({', '.join(parts)})"
            )
        return notes


def apply_suppressions(
    report: Report,
    config: Config,
    *,
    selected_codes: Collection[str] | None = None,
) -> list[str]:
    """Filter ``report.findings`` in place (per-file-ignores, ignore entries, baseline),
    recompute ``summary.by_severity``, record the account in ``report.suppressions`` and return
    notes about stale baseline entries and unused ignores (also appended to ``report.notes``).

    Idempotent: a report that was already processed is returned unchanged, so the engine and
    the CLI may both call it. ``selected_codes`` (the rules that ran) keeps ignores and baseline
    entries of rules that were not selected from being reported as unused or stale.
    """
    if report.suppressions is not None:
        return list(report.notes)
    judge = Suppressor(config, selected_codes=selected_codes)
    linted = _linted_files(report)
    kept: list[Finding] = []
    for f in report.findings:
        kind = judge.judge(f)
        if kind is None:
            kept.append(f)
        else:
            report.suppressed.append((kind, f))
    report.findings[:] = kept
    _recount(report)
    notes = judge.finish(linted, report.root)
    report.suppressions = judge.account
    report.notes.extend(notes)
    return notes


__all__ = [
    "BaselineEntry",
    "Suppressor",
    "apply_suppressions",
    "check_suppression_selectors",
    "code_matches",
    "dump_baseline",
    "file_key",
    "glob_regex",
    "load_baseline",
    "path_matches",
    "unknown_suppression_selectors",
    "validate_ignores",
    "write_baseline",
]
