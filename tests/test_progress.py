from __future__ import annotations

import io
from pathlib import Path

from claimlint.running import progress


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_enabled_only_for_a_person_at_a_terminal() -> None:
    assert progress.enabled(stream=_Tty(), env={})
    assert not progress.enabled(stream=io.StringIO(), env={})  # piped / CI
    assert not progress.enabled(stream=_Tty(), env={"PRE_COMMIT": "1"})
    assert not progress.enabled(stream=_Tty(), env={}, quiet=True)


def test_track_feeds_the_same_files_and_writes_only_to_its_stream(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    for name in ("a.json", "sub/b.jsonl", "notes.txt"):
        (tmp_path / name).write_text("{}")
    paths = [str(tmp_path), str(tmp_path / "missing.json")]
    expected = [str(tmp_path / "a.json"), str(tmp_path / "sub" / "b.jsonl"),
                str(tmp_path / "missing.json")]  # fmt: skip
    stream = _Tty()
    with progress.track(paths, show=True, stream=stream) as sources:
        shown = [progress._name(s) for s in sources]
    assert shown == expected
    with progress.track(paths, show=False) as sources:
        assert [progress._name(s) for s in sources] == expected


def test_results_do_not_depend_on_progress(tmp_path: Path) -> None:
    from claimlint.running.engine import Engine

    (tmp_path / "a.json").write_text('{"claims": [{"claim_id": "P1", "lines": "x"}]}')
    (tmp_path / "b.json").write_text("{broken")
    paths = [str(tmp_path), str(tmp_path / "missing.json")]
    reports = []
    for show in (False, True):
        with progress.track(paths, show=show, stream=_Tty()) as sources:
            reports.append(Engine().lint_sources(sources))
    plain, shown = (r.to_dict() for r in reports)
    assert plain == shown
    assert plain["summary"]["files"] == 3 and plain["summary"]["findings"] >= 3


def test_progress_shows_claims_read_not_only_files(tmp_path: Path) -> None:
    """One large file is one file but many claims: the display counts the claims the engine
    has read, while it reads them."""
    import json

    from claimlint.running.engine import Engine

    claims = [{"claim_id": f"P{i}", "lines": []} for i in range(1200)]
    (tmp_path / "big.jsonl").write_text("\n".join(json.dumps(c) for c in claims) + "\n")
    stream = _Tty()
    engine = Engine()
    seen_while_reading: list[int] = []

    with progress.track(
        [str(tmp_path / "big.jsonl")], show=True, stream=stream, claims=lambda: engine.claims_seen
    ) as sources:
        report = engine.lint_sources(sources)
        seen_while_reading.append(engine.claims_seen)
    assert seen_while_reading == [1200] == [report.summary.claims_read]
    assert "1,200 claims" in stream.getvalue()
    assert "files" in stream.getvalue()
