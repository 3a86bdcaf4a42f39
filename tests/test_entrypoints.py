"""claimlint.running.entrypoints finds a group's entry points without importing
importlib.metadata where it can (start-up, issue 16), and always gives importlib's answer."""

from __future__ import annotations

import sys
import zipfile
from importlib import metadata
from pathlib import Path

import pytest

from claimlint.running import entrypoints
from claimlint.running.entrypoints import EntryPoint, entry_points

GROUP = "claimlint.checks"


def _standard(group: str) -> list[tuple[str, str, str]]:
    return [(ep.name, ep.value, ep.group) for ep in metadata.entry_points(group=group)]


def _ours(group: str) -> list[tuple[str, str, str]]:
    return [(ep.name, ep.value, ep.group) for ep in entry_points(group)]


def _dist(root: Path, folder: str, text: str | None) -> None:
    path = root / folder
    path.mkdir(parents=True)
    (path / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {folder.split('-')[0]}\n")
    if text is not None:
        (path / "entry_points.txt").write_text(text)


@pytest.fixture
def sites(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    first, second = tmp_path / "first", tmp_path / "second"
    _dist(
        first,
        "Alpha_Rules-1.0.dist-info",
        "# a comment\n[console_scripts]\nalpha = alpha:main\n\n"
        f"[{GROUP}]\n  zeta = alpha.z  \nalpha=alpha.checks:CHECKS\n; not a comment = x\n",
    )
    _dist(first, "beta-2.0.dist-info", None)  # no entry_points.txt
    _dist(first, "gamma.rules-0.1.egg-info", f"[{GROUP}]\ngamma = gamma_rules\n")
    # the same distribution again, later on sys.path: importlib reads only the first
    _dist(second, "alpha.rules-0.9.dist-info", f"[{GROUP}]\nold = alpha_old\n")
    _dist(second, "delta-1.dist-info", f"[[{GROUP}]]\ndelta = delta.mod:attr.inner\n")
    (second / "notadir.dist-info").write_text("a file, not a folder")
    monkeypatch.setattr(sys, "path", [str(first), str(tmp_path / "missing"), str(second)])
    return first, second


def test_the_scan_gives_what_importlib_gives(sites: tuple[Path, Path]) -> None:
    ours = _ours(GROUP)
    assert ours == _standard(GROUP)
    assert ("old", "alpha_old", GROUP) not in ours  # shadowed by the first alpha-rules
    assert ("delta", "delta.mod:attr.inner", GROUP) in ours
    assert (
        _ours("console_scripts")
        == _standard("console_scripts")
        == [("alpha", "alpha:main", "console_scripts")]
    )


def test_the_scan_does_not_fall_back_on_the_usual_layout(
    sites: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(**_: object) -> None:
        raise AssertionError("importlib.metadata was asked")

    monkeypatch.setattr(metadata, "entry_points", refuse)
    names = [ep.name for ep in entry_points(GROUP)]
    assert names == ["zeta", "alpha", "; not a comment", "gamma", "delta"]


def test_a_zip_on_sys_path_is_left_to_importlib(
    sites: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = tmp_path / "plugins.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("zipped-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: zipped\n")
        zf.writestr("zipped-1.0.dist-info/entry_points.txt", f"[{GROUP}]\nzipped = zipped\n")
    monkeypatch.setattr(sys, "path", [*sys.path, str(archive)])
    ours = _ours(GROUP)
    assert ("zipped", "zipped", GROUP) in ours
    assert ours == _standard(GROUP)


def test_a_line_importlib_refuses_is_refused_by_importlib(
    sites: tuple[Path, Path], tmp_path: Path
) -> None:
    _dist(sites[1], "broken-1.dist-info", "[other.group]\nno equals sign here\n")
    with pytest.raises(Exception) as standard:
        _standard(GROUP)
    with pytest.raises(Exception) as ours:
        entry_points(GROUP)
    assert type(ours.value) is type(standard.value)
    assert str(ours.value) == str(standard.value)


def test_the_installed_environment_agrees() -> None:
    assert _ours(GROUP) == _standard(GROUP)
    assert ("builtin", "claimlint.checks", GROUP) in _ours(GROUP)
    assert _ours("console_scripts") == _standard("console_scripts")


def test_load_resolves_module_and_attributes() -> None:
    assert EntryPoint("x", "claimlint.running.entrypoints", GROUP).load() is entrypoints
    assert EntryPoint("x", "os.path : join", GROUP).load() is __import__("os").path.join
    with pytest.raises(AttributeError):  # importlib's own error for a malformed value
        EntryPoint("x", "not a value!", GROUP).load()
