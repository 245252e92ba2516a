"""What every benchmark shares: the ``Result`` row, the registry, the table and the JSON file.

A benchmark is a function ``(smoke: bool) -> list[Result]`` registered with ``@benchmark``.
``smoke=True`` asks for a tiny run that only proves the benchmark still works; its verdicts
are not judged. A benchmark module registers itself when imported: add it to ``MODULES``.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

from rich.console import Console
from rich.table import Table

__all__ = [
    "MODULES",
    "REGISTRY",
    "Benchmark",
    "Better",
    "Result",
    "benchmark",
    "print_table",
    "write_json",
]

# Modules (under bench/) whose import registers benchmarks; later issues append theirs.
MODULES: tuple[str, ...] = (
    "bench.bench_platform",
    "bench.bench_eventstore",
    "bench.bench_backend",
    "bench.bench_lag",
    "bench.bench_vectors",
    "bench.bench_composer",
    "bench.bench_embeddings",
)

Better = Literal["lower", "higher"]


@dataclass
class Result:
    """One row of the table: a figure, the anchor it is compared with, and the verdict.

    ``ratio`` is always ``figure / anchor``; ``better`` says which way is good: ``"lower"``
    for time and memory, ``"higher"`` for throughput. ``met`` is ``None`` when the row has
    no goal, or in smoke mode.
    """

    name: str
    figure: float | None
    unit: str
    anchor: float | None = None
    anchor_label: str = ""
    better: Better = "lower"
    goal: str = ""
    met: bool | None = None
    note: str = ""
    smoke: bool = False
    crashed: bool = False

    @property
    def ratio(self) -> float | None:
        if self.figure is None or not self.anchor:
            return None
        return self.figure / self.anchor


BenchFn = Callable[[bool], list[Result]]


@dataclass(frozen=True)
class Benchmark:
    name: str
    fn: BenchFn
    doc: str = field(default="")


REGISTRY: dict[str, Benchmark] = {}


def benchmark(name: str) -> Callable[[BenchFn], BenchFn]:
    """Register ``fn`` under ``name`` (what ``--only`` selects)."""

    def register(fn: BenchFn) -> BenchFn:
        if name in REGISTRY:
            raise ValueError(f"benchmark {name!r} is registered twice")
        summary = (fn.__doc__ or "").strip().split("\n", 1)[0]
        REGISTRY[name] = Benchmark(name, fn, summary)
        return fn

    return register


def _number(value: float | None, unit: str = "") -> str:
    if value is None:
        return "-"
    digits = 0 if abs(value) >= 1000 else 1 if abs(value) >= 10 else 2
    text = f"{value:,.{digits}f}"
    return f"{text} {unit}".rstrip()


def _ratio(result: Result) -> str:
    ratio = result.ratio
    if ratio is None:
        return "-"
    return f"{ratio:.2f}x ({result.better} is better)"


def _verdict(result: Result) -> str:
    if result.crashed:
        return "[bold red]CRASHED[/]"
    if result.smoke:
        return "[dim]smoke[/]"
    if result.met is None:
        return "[dim]-[/]"
    return "[green]met[/]" if result.met else "[bold red]missed[/]"


def print_table(results: list[Result], *, smoke: bool, console: Console | None = None) -> None:
    """One table for every result; notes follow it as numbered footnotes."""
    console = console or Console(width=max(160, Console().width))
    mode = "smoke run (figures prove only that the benchmarks work)" if smoke else "full run"
    table = Table(title=f"AIC benchmarks, {mode}", title_justify="left", show_lines=False)
    table.add_column("benchmark", overflow="fold", min_width=36)
    table.add_column("figure", justify="right", no_wrap=True)
    table.add_column("anchor (same run)", overflow="fold")
    table.add_column("ratio", no_wrap=True)
    table.add_column("goal", overflow="fold")
    table.add_column("verdict", no_wrap=True)
    notes: list[str] = []
    for result in results:
        name = result.name
        if result.note:
            notes.append(result.note)
            name = f"{name} [{len(notes)}]"
        anchor = "-"
        if result.anchor is not None:
            anchor = f"{_number(result.anchor, result.unit)} {result.anchor_label}".strip()
        figure = "crashed" if result.crashed else _number(result.figure, result.unit)
        table.add_row(name, figure, anchor, _ratio(result), result.goal or "-", _verdict(result))
    console.print(table)
    for number, note in enumerate(notes, 1):
        console.print(f"  [{number}] {note}", highlight=False, markup=False)


def write_json(path: Path, results: list[Result], *, smoke: bool, seconds: float) -> None:
    rows = [{**asdict(r), "ratio": r.ratio} for r in results]
    document = {
        "smoke": smoke,
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "seconds": round(seconds, 2),
        "machine": {
            "python": sys.version.split()[0],
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "load_average": list(os.getloadavg()),
        },
        "results": rows,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n")
