"""The ``aic`` command."""

from __future__ import annotations

import typer

from aic import __version__
from aic.cli.config import settings
from aic.cli.operations import migrate, projections_app, worker
from aic.cli.serve import ai, backend, web
from aic.cli.up import up

__all__ = ["app", "main"]

app = typer.Typer(
    name="aic",
    help="AIC: an AI-native website platform. `aic up` runs all of it on this machine.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.command()(up)
app.command()(backend)
app.command()(ai)
app.command()(web)
app.command()(settings)
app.command()(migrate)
app.command()(worker)
app.add_typer(projections_app, name="projections")


@app.command()
def version() -> None:
    """Print the installed version."""
    typer.echo(__version__)


def main() -> None:
    app()
