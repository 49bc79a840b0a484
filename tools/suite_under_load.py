"""Run the README's test command on a fresh clone N times while busy loops keep every core busy.

    python tools/suite_under_load.py                # 3 runs of HEAD, one busy loop per core
    python tools/suite_under_load.py --runs 5 --ref main --busy 2

Each run clones the repository afresh (untracked files, caches and databases of the working copy
do not help it), makes a virtualenv inside the clone that sees the machine's packages (so the
README's `pip install -e` repoints nothing outside it), and runs the README's test command there
with `CI=true`. It prints each run's wall time and result and exits non-zero when any run failed.
Figures, not a test: the point is that the suite has no wall-clock budget a busy machine breaks.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def readme_test_command(readme: Path) -> str:
    """The README's test command (the line that installs and runs pytest)."""
    for line in readme.read_text(encoding="utf-8").splitlines():
        if re.search(r"\bpip install\b.*&&.*\bpytest\b", line):
            return line.strip()
    raise SystemExit(f"no test command (pip install ... && ... pytest) found in {readme}")


def busy() -> None:  # pragma: no cover - runs in the busy processes
    while True:
        pass


def one_run(number: int, ref: str, command: str, keep: bool) -> tuple[float, int, str]:
    workdir = Path(tempfile.mkdtemp(prefix=f"suite-under-load-{number}-"))
    clone = workdir / "repo"
    subprocess.run(["git", "clone", "--quiet", "--no-hardlinks", str(ROOT), str(clone)], check=True)
    subprocess.run(["git", "-C", str(clone), "checkout", "--quiet", ref], check=True)
    venv = clone / ".venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(CI="true", VIRTUAL_ENV=str(venv), PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}")
    log = workdir / "run.log"
    started = time.monotonic()
    with open(log, "wb") as out:
        code = subprocess.run(["bash", "-c", command], cwd=clone, env=env, stdout=out, stderr=subprocess.STDOUT).returncode
    wall = time.monotonic() - started
    lines = [line for line in log.read_text(errors="replace").splitlines() if line.strip()]
    summary = next((line for line in reversed(lines) if re.search(r"\b(passed|failed|error)", line)), lines[-1] if lines else "")
    if not keep and code == 0:
        subprocess.run(["rm", "-rf", str(workdir)], check=False)
    else:
        summary += f"  (log: {log})"
    return wall, code, summary.strip("= ")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--ref", default="HEAD", help="commit or branch to clone (default HEAD)")
    parser.add_argument("--busy", type=int, default=os.cpu_count() or 2, help="busy loops (default: one per core)")
    parser.add_argument("--keep", action="store_true", help="keep every clone and log, not only failed ones")
    parser.add_argument("--command", help="run this instead of the README's test command (e.g. a smoke run)")
    args = parser.parse_args()
    ref = subprocess.run(["git", "-C", str(ROOT), "rev-parse", args.ref], check=True, capture_output=True, text=True).stdout.strip()
    command = args.command or readme_test_command(ROOT / "README.md")
    print(f"ref {ref[:12]}, {args.runs} runs, {args.busy} busy loops, command: {command}", flush=True)
    loops = [multiprocessing.Process(target=busy, daemon=True) for _ in range(args.busy)]
    for loop in loops:
        loop.start()
    failed = 0
    try:
        for number in range(1, args.runs + 1):
            wall, code, summary = one_run(number, ref, command, args.keep)
            failed += code != 0
            print(f"run {number}: {'ok' if code == 0 else f'FAILED (exit {code})'} in {wall:.0f} s: {summary}", flush=True)
    finally:
        for loop in loops:
            loop.terminate()
            loop.join()
    print(f"{args.runs - failed} of {args.runs} runs green under load")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
