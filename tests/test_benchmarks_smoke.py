"""The benchmark runner's smoke mode completes and prints its table (never asserts timing)."""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT


def test_benchmark_smoke_prints_the_table(tmp_path):
    out = tmp_path / "results.md"
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "run.py"),
            "--smoke",
            "--data",
            str(tmp_path / "data"),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert (
        "| Measurement | File | Claims | Median s | Claims/s | MB/s | Peak RSS MB |" in proc.stdout
    )
    assert "| claimlint JSONL | c1k.jsonl | 1,000 |" in proc.stdout
    assert "| raw floor 837D | c1k.837 | 1,000 |" in proc.stdout
    assert "| Target | Measured | Result |" in proc.stdout
    assert "failed" not in proc.stdout
    text = out.read_text()
    assert text.startswith("<!-- run -->\n") and text.endswith("<!-- /run -->\n")
    assert text.removeprefix("<!-- run -->\n").removesuffix("<!-- /run -->\n") in proc.stdout


def test_benchmark_runner_replaces_only_its_section(tmp_path):
    """run.py and speed.py each rewrite their own marked section of results.md, nothing else."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from sections import replace_section
    finally:
        sys.path.pop(0)
    out = tmp_path / "results.md"
    out.write_text("# Results\n\n## PostgreSQL\n\nkept\n")
    replace_section(out, "run", "| old table |", at_start=True)
    replace_section(out, "speed", "old speed")
    replace_section(out, "run", "| new table |\n", at_start=True)
    replace_section(out, "speed", "new speed")
    assert out.read_text() == (
        "<!-- run -->\n| new table |\n<!-- /run -->\n\n# Results\n\n## PostgreSQL\n\nkept\n\n"
        "<!-- speed -->\nnew speed\n<!-- /speed -->\n"
    )
    # the real file has both sections, and everything after run.py's table survives it
    text = (ROOT / "benchmarks" / "results.md").read_text()
    head, _, rest = text.partition("<!-- /run -->")
    assert head.startswith("<!-- run -->") and "## History on PostgreSQL" in rest
    assert rest.count("<!-- speed -->") == 1 and rest.count("<!-- /speed -->") == 1


def test_speed_refuses_a_pure_build_as_compiled(tmp_path):
    """speed.py --compiled must import compiled modules (.so); a pure one is refused, exit 2."""
    fake = tmp_path / "python"
    fake.write_text(f'#!/bin/sh\nPYTHONPATH="{ROOT}" exec "{sys.executable}" "$@"\n')
    fake.chmod(0o755)
    out = tmp_path / "results.md"
    args = ["--baseline", str(ROOT), "--compiled", str(fake), "--claims", "50"]
    args += ["--out", str(out), "--data", str(tmp_path / "data")]
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "speed.py"), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    assert "not a compiled build" in proc.stderr
    assert "claimlint/x12/tokenizer.py" in proc.stderr
    assert not out.exists()


def test_speed_smoke_measures_every_variant(tmp_path):
    """speed.py at a tiny size, no compiled build: today (here: this checkout), pure, the raw
    floor, JSON reports compared, start-up and --jobs rows, its section written (never timing)."""
    out = tmp_path / "results.md"
    out.write_text("# Results\n\nkept\n")
    args = ["--baseline", str(ROOT), "--compiled", str(tmp_path / "missing" / "python")]
    args += ["--claims", "60", "--reps", "1", "--startup-reps", "1", "--no-pyx12"]
    args += ["--out", str(out), "--data", str(tmp_path / "data")]
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "speed.py"), *args],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    for row in (
        "| today | 837D | 60 |",
        "| pure | JSONL | 60 |",
        "| raw floor | 837D | 60 |",
        # the same checkout on both sides: the reports are identical, every claim read
        "| 837D | 60 | all 60 | compiled not run | identical |",
        "| JSONL | 60 | all 60 | compiled not run | identical |",
        "| pure ≥ 1.5× today, JSONL, 60 |",
        "| compiled ≥ 3.0× today, 837D, 60 | – | not measured |",
    ):
        assert row in proc.stdout, row
    assert "compiled not measured:" in proc.stdout and "does not exist" in proc.stdout
    assert "| pure | " in proc.stdout.partition("`--jobs 2` against")[2]
    assert "| start-up + 20 claims ≤ 0.25 s, pure |" in proc.stdout
    assert "failed" not in proc.stdout
    text = out.read_text()
    assert text.startswith("# Results\n\nkept\n\n<!-- speed -->\n")
    assert text.endswith("<!-- /speed -->\n")


def test_generator_is_deterministic_and_balanced(tmp_path):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import generate
    finally:
        sys.path.pop(0)
    a, b = tmp_path / "a.837", tmp_path / "b.837"
    assert generate.generate("837", 300, a, seed=5, per_st=100) == 300
    generate.generate("837", 300, b, seed=5, per_st=100)
    assert a.read_bytes() == b.read_bytes()
    segments = [s.strip() for s in a.read_text().split("~") if s.strip()]
    assert len(segments[0]) == 105  # ISA without its terminator
    # SE01 counts ST..SE inclusive, GE01 the ST sets
    count = 0
    sets = 0
    for seg in segments:
        tag = seg.split("*", 1)[0]
        if tag == "ST":
            count = 0
            sets += 1
        count += 1
        if tag == "SE":
            assert int(seg.split("*")[1]) == count
    assert sets == 3
    assert segments[-2] == "GE*3*1"
    assert sum(seg.startswith("CLM*") for seg in segments) == 300
    claims = list(generate.claims(300, seed=5))
    defective = [c for c in claims if c.defect]
    assert 3 <= len(defective) <= 15
    assert any(c.total != sum(ln.charge for ln in c.lines) for c in defective)
    assert all(c.total == sum(ln.charge for ln in c.lines) for c in claims if not c.defect)


def test_memory_benchmark_smoke_measures_every_combination(tmp_path):
    """benchmarks/memory.py at a tiny size: 2 inputs x 2 profile settings x 3 formats, each
    with a measured peak RSS (never asserted against the target)."""
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "memory.py"),
            "--claims",
            "200",
            "--smoke",
            "--data",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    table = proc.stdout.rpartition("| Input | Claims |")[2]  # the final table
    rows = [r for r in table.splitlines() if r.startswith(("| 837D", "| JSONL"))]
    assert len(rows) == 12
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert float(cells[5]) > 10  # a peak RSS in MB was read from the child
        assert cells[-1] == "1"  # 3 % defective claims: findings, exit code 1


def test_speed_variants_cache_bytecode_in_a_private_prefix(tmp_path, monkeypatch):
    """Start-up is timed with .pyc files, as an installed package has them: the variants'
    environment drops PYTHONDONTWRITEBYTECODE and caches in the run's own prefix."""
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    import speed

    monkeypatch.setattr(speed, "PYCACHE", tmp_path / "pycache")
    env = speed._env(ROOT)
    assert "PYTHONDONTWRITEBYTECODE" not in env
    assert env["PYTHONPYCACHEPREFIX"] == str(tmp_path / "pycache")
    assert env["PYTHONPATH"] == str(ROOT)
    subprocess.run([sys.executable, "-c", "import claimlint.cli"], env=env, check=True)
    assert any((tmp_path / "pycache").rglob("cli*.pyc"))
