"""What the CLI tells people: on stderr, so stdout stays for the services' JSON logs."""

from __future__ import annotations

from typing import NoReturn

import typer
from pydantic import ValidationError
from rich.console import Console

__all__ = ["console", "fail", "settings_error"]

console = Console(stderr=True, soft_wrap=True)


def fail(message: str, code: int = 2) -> NoReturn:
    console.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(code)


def settings_error(exc: ValidationError) -> NoReturn:
    lines = [
        f"  AIC_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}" for e in exc.errors()
    ]
    fail("invalid settings; fix these environment variables:\n" + "\n".join(lines))
