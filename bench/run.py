"""Run the AIC benchmarks and print one table.

    python bench/run.py                 # every benchmark, full size, verdicts against goals
    python bench/run.py --smoke         # tiny runs that only prove the benchmarks still work
    python bench/run.py --only up_time --only idle_rss --json results.json

Exits 1 if a benchmark crashed; a missed goal is a verdict, not a failure.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
import traceback
from pathlib import Path

if __package__ in (None, ""):  # `python bench/run.py`: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rich.console import Console

from bench.harness import MODULES, REGISTRY, Result, print_table, write_json

__all__ = ["main", "run"]


def run(names: list[str], *, smoke: bool, console: Console) -> tuple[list[Result], bool]:
    """Run ``names`` in order; a crash becomes a row and the next benchmark still runs."""
    results: list[Result] = []
    crashed = False
    for name in names:
        bench = REGISTRY[name]
        console.print(f"[dim]running {name}{' (smoke)' if smoke else ''}: {bench.doc}[/]")
        begin = time.monotonic()
        try:
            rows = bench.fn(smoke)
        except Exception as exc:
            crashed = True
            traceback.print_exc()
            rows = [Result(name, None, "", note=f"{type(exc).__name__}: {exc}", crashed=True)]
        for row in rows:
            row.smoke = smoke
        results += rows
        console.print(f"[dim]  {name} took {time.monotonic() - begin:.1f} s[/]")
    return results, crashed


def main(argv: list[str] | None = None) -> int:
    for module in MODULES:
        importlib.import_module(module)
    parser = argparse.ArgumentParser(
        prog="bench/run.py", description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--smoke", action="store_true", help="tiny runs; verdicts say 'smoke'")
    parser.add_argument(
        "--only",
        action="append",
        metavar="NAME",
        help=f"run only these (repeat or comma-separate): {', '.join(REGISTRY)}",
    )
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write results as JSON")
    args = parser.parse_args(argv)
    names = list(REGISTRY)
    if args.only:
        names = [n.strip() for item in args.only for n in item.split(",") if n.strip()]
        unknown = [n for n in names if n not in REGISTRY]
        if unknown:
            parser.error(f"unknown benchmark(s) {unknown}; known: {', '.join(REGISTRY)}")
    console = Console(stderr=True)
    begin = time.monotonic()
    results, crashed = run(names, smoke=args.smoke, console=console)
    seconds = time.monotonic() - begin
    print_table(results, smoke=args.smoke)
    print(f"{len(names)} benchmark(s) in {seconds:.1f} s")
    if args.json:
        write_json(args.json, results, smoke=args.smoke, seconds=seconds)
    return 1 if crashed else 0


if __name__ == "__main__":
    sys.exit(main())
