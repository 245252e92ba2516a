"""Importing any module of the platform does no I/O: no file, no folder, no connection."""

from __future__ import annotations

import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import aic


def test_importing_every_module_creates_nothing(tmp_path: Path) -> None:
    names = [
        m.name for m in pkgutil.walk_packages(aic.__path__, "aic.") if "__main__" not in m.name
    ]
    script = "import importlib, sys\nfor name in sys.argv[1:]:\n    importlib.import_module(name)\n"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIC_")}
    result = subprocess.run(
        [sys.executable, "-c", script, *names],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert len(names) > 50
    assert list(tmp_path.iterdir()) == []  # no .aic folder, no database file, no key
