from __future__ import annotations

import io
from pathlib import Path

from claimlint import progress


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
    assert progress.expand(paths) == expected
    stream = _Tty()
    with progress.track(paths, show=True, stream=stream) as files:
        seen = list(files)
    assert seen == expected
    with progress.track(paths, show=False) as files:
        assert files == paths
