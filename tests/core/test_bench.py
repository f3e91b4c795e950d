"""`make bench` and `make bench-smoke`: every script runs, on one migrated database, and a failure fails the target
at the end with the scripts' names; the smoke run sets BENCH_SMOKE=1, which gives each benchmark its tiny size."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

needs_make = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def bench_loop(target: str, python: str) -> str:
    """The shell line of `make TARGET` that runs the scripts, with $(PY) standing for `python`."""
    environment = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    out = subprocess.run(
        ["make", "-n", target, f"PY={python}"], cwd=ROOT, env=environment, capture_output=True, text=True, check=True
    ).stdout
    return next(line for line in out.splitlines() if "bench/bench_*.py" in line)


@pytest.fixture
def bench_folder(tmp_path):
    """A folder laid out as the repository: manage.py (its migrate writes the database DATABASE_URL names) and
    three benchmarks that print what they see; the second one fails."""
    (tmp_path / "var").mkdir()
    (tmp_path / "manage.py").write_text(
        "import os\nopen(os.environ['DATABASE_URL'].removeprefix('sqlite:///'), 'w').write('migrated')\n"
    )
    bench = tmp_path / "bench"
    bench.mkdir()
    script = (
        "import os, sys\n"
        "print('ran', os.path.basename(__file__), os.environ.get('BENCH_SMOKE'),\n"
        "      open(os.environ['BENCH_MIGRATED_DATABASE']).read())\n"
        "sys.exit({status})\n"
    )
    for name, status in (("bench_a.py", 0), ("bench_b.py", 3), ("bench_c.py", 0)):
        (bench / name).write_text(script.format(status=status))
    return tmp_path


def run_loop(line: str, folder: Path) -> subprocess.CompletedProcess:
    # The loop names the repository's var/ folder; the test's folder stands in for it.
    line = line.replace(str(ROOT / "var"), str(folder / "var"))
    return subprocess.run(["bash", "-c", line], cwd=folder, capture_output=True, text=True, timeout=60)


@needs_make
@pytest.mark.parametrize("target, smoke", [("bench", "None"), ("bench-smoke", "1")])
def test_every_benchmark_runs_and_a_failure_fails_the_target_at_the_end(target, smoke, bench_folder):
    done = run_loop(bench_loop(target, sys.executable), bench_folder)
    assert done.returncode == 1
    ran = [line for line in done.stdout.splitlines() if line.startswith("ran ")]
    assert ran == [f"ran bench_{x}.py {smoke} migrated" for x in "abc"]
    assert done.stdout.splitlines()[-1] == "bench: failed: bench/bench_b.py"


@needs_make
def test_the_benchmarks_pass_when_every_script_does(bench_folder):
    (bench_folder / "bench" / "bench_b.py").unlink()
    done = run_loop(bench_loop("bench-smoke", sys.executable), bench_folder)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "failed" not in done.stdout


@needs_make
def test_the_benchmarks_do_not_run_when_the_migrations_fail(bench_folder):
    (bench_folder / "manage.py").write_text("import sys\nsys.exit(1)\n")
    done = run_loop(bench_loop("bench", sys.executable), bench_folder)
    assert done.returncode == 1
    assert "ran " not in done.stdout


def test_a_smoke_run_gives_each_benchmark_its_tiny_size():
    code = "import sys; sys.path.insert(0, 'bench'); from _setup import sized; print(sized(100_000, 200))"
    for smoke, size in (("1", "200"), ("", "100000")):
        environment = {**os.environ, "BENCH_SMOKE": smoke}
        out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True)
        assert out.stdout.strip() == size, out.stderr
