"""Book build timings: a fresh build, each chapter's execution time, a cached rebuild.

Runs in a temporary copy of the book so the real ``_build/`` is untouched, and prints one line per
figure. The budgets (120 s a chapter, 10 min for the book on 2 cores) are flagged, not asserted:
the exit status is non-zero when one is exceeded.

    .venv/bin/python bench/bench_book.py
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from jupyter_cache import get_cache

ROOT = Path(__file__).resolve().parents[1]
CHAPTER_BUDGET_S = 120.0
BOOK_BUDGET_S = 600.0
COPIED = ["_config.yml", "_toc.yml", "book"]  # the package is installed editable


def build(workdir: Path) -> float:
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    env = {**os.environ, "PATH": f"{jupyter_book.parent}{os.pathsep}{os.environ['PATH']}"}
    start = time.perf_counter()
    subprocess.run(
        [str(jupyter_book), "build", "--all", "-W", "-n", "--keep-going", "."],
        cwd=workdir,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="cvcourse-bench-book-") as tmp:
        workdir = Path(tmp)
        for name in COPIED:
            src = ROOT / name
            if src.is_dir():
                shutil.copytree(src, workdir / name, ignore=shutil.ignore_patterns("node_modules"))
            else:
                shutil.copy2(src, workdir / name)

        fresh = build(workdir)
        cached = build(workdir)

        over_budget = fresh > BOOK_BUDGET_S
        print(f"fresh build (every chapter executed): {fresh:7.1f} s (budget {BOOK_BUDGET_S:.0f})")
        print(f"cached rebuild (nothing re-executed):  {cached:7.1f} s")
        cache = get_cache(workdir / "_build" / ".jupyter_cache")
        for record in sorted(cache.list_cache_records(), key=lambda r: r.uri):
            seconds = float(record.data.get("execution_seconds", float("nan")))
            flag = "  OVER BUDGET" if seconds > CHAPTER_BUDGET_S else ""
            over_budget |= seconds > CHAPTER_BUDGET_S
            print(f"chapter {Path(record.uri).stem:<24} executed in {seconds:6.1f} s{flag}")
    return 1 if over_budget else 0


if __name__ == "__main__":
    sys.exit(main())
