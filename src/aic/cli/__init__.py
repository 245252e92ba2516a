"""The ``aic`` command. Subcommands import their service only when run, so each child
process of ``aic up`` loads just the service it runs."""

from __future__ import annotations

from typing import Annotated, Literal

import typer

from aic import __version__

__all__ = ["app", "main"]

app = typer.Typer(
    name="aic",
    help="AIC: an AI-native website platform. `aic up` runs all of it on this machine.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
projections_app = typer.Typer(help="Read models: status, and rebuilding from the event store.")
app.add_typer(projections_app, name="projections")
admin_app = typer.Typer(help="Staff accounts: the first administrator, passwords.")
app.add_typer(admin_app, name="admin")
keys_app = typer.Typer(
    help="ai's issued service keys (stored hashed): issue, list, revoke; works on "
    "AIC_AI_DATABASE_URL directly.",
    no_args_is_help=True,
)
app.add_typer(keys_app, name="keys")

Host = Annotated[str | None, typer.Option(help="Listen address (default: the setting).")]
Port = Annotated[int | None, typer.Option(help="Listen port (default: the setting).")]
Workers = Annotated[
    int, typer.Option(min=1, max=64, help="Worker processes; metrics add up across them.")
]
Reload = Annotated[bool, typer.Option(help="Restart on code changes (development only).")]


@app.command()
def up(
    timeout: Annotated[float, typer.Option(help="Seconds to wait for every service.")] = 60.0,
    seed: Annotated[
        bool, typer.Option(help="Load the demo company into an empty data folder first.")
    ] = True,
) -> None:
    """Start backend, ai and the five portals; stop them all on Ctrl-C or SIGTERM."""
    from aic.cli.up import run_up

    run_up(timeout, seed)


@app.command()
def backend(
    host: Host = None, port: Port = None, workers: Workers = 1, reload: Reload = False
) -> None:
    """Run the backend (:3100): business logic, event store, realtime, AI gateway."""
    from aic.cli.serve import run_backend

    run_backend(host, port, workers, reload)


@app.command()
def ai(host: Host = None, port: Port = None, workers: Workers = 1, reload: Reload = False) -> None:
    """Run the ai service (:8000): LLMs, scoring, personalization, search, vectors."""
    from aic.cli.serve import run_ai

    run_ai(host, port, workers, reload)


@app.command()
def web(host: Host = None) -> None:
    """Run the five portals: :3000 main, :3001 SMB, :3002 enterprise, :3003 Nexus, :3005 admin."""
    from aic.cli.serve import run_web

    run_web(host)


@app.command()
def settings(
    values: Annotated[
        bool, typer.Option("--values", help="Show the values in force (secrets masked).")
    ] = False,
) -> None:
    """Print every AIC_* setting as a Markdown table (docs/settings.md is this output)."""
    from aic.cli.config import show_settings

    show_settings(values)


@app.command()
def migrate() -> None:
    """Bring the backend database (AIC_DATABASE_URL) up to date."""
    from aic.cli.operations import run_migrate

    run_migrate()


@app.command()
def seed() -> None:
    """Load the demo company (articles, accounts, leads with histories); safe to run twice."""
    from aic.cli.operations import run_seed

    run_seed()


@app.command()
def reindex(
    recreate: Annotated[
        bool, typer.Option(help="Drop ai's content index first (after an embedding model change).")
    ] = False,
) -> None:
    """Index the backend's published content into ai (retrieval for generation and answers)."""
    from aic.cli.reindex import run_reindex

    run_reindex(recreate)


@app.command()
def worker(
    kind: Annotated[
        Literal["projections", "sagas", "relay"],
        typer.Argument(help="What this process does: projections, sagas, or the outbox relay."),
    ],
    metrics_port: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=65535,
            help="Serve this worker's Prometheus metrics (projection lag and positions, saga "
            "and relay counters) on http://<AIC_BACKEND_HOST>:PORT/metrics.",
        ),
    ] = None,
    nice: Annotated[
        int,
        typer.Option(
            min=0,
            max=19,
            help="Lower this worker's CPU priority by N (like `nice -n N`): on a host shared "
            "with the API, a saga backlog then takes only the CPU that requests leave over.",
        ),
    ] = 0,
) -> None:
    """Run background work as its own process; replicas share it through Redis consumer groups."""
    from aic.cli.operations import run_worker

    run_worker(kind, metrics_port, nice)


@projections_app.command("status")
def projections_status() -> None:
    """Each projection's position and how far behind the event store it is."""
    from aic.cli.operations import run_projections_status

    run_projections_status()


@projections_app.command("rebuild")
def projections_rebuild(
    name: Annotated[str | None, typer.Argument(help="One projection; all when omitted.")] = None,
) -> None:
    """Empty read models and replay every stored event into them, with a progress bar."""
    from aic.cli.operations import run_projections_rebuild

    run_projections_rebuild(name)


@keys_app.command("issue")
def keys_issue(
    name: Annotated[str, typer.Argument(help="Who or what will use the key, e.g. `backend`.")],
    expires_in_days: Annotated[
        int | None, typer.Option(min=1, max=3650, help="Stop working after this many days.")
    ] = None,
) -> None:
    """Issue a key: printed once on stdout (ai keeps only its hash)."""
    from aic.cli.keys import run_keys_issue

    run_keys_issue(name, expires_in_days)


@keys_app.command("list")
def keys_list(
    as_json: Annotated[
        bool, typer.Option("--json", help="JSON on stdout instead of a table.")
    ] = False,
) -> None:
    """Every issued key with its status and last use; never a secret."""
    from aic.cli.keys import run_keys_list

    run_keys_list(as_json)


@keys_app.command("revoke")
def keys_revoke(
    key_id: Annotated[str, typer.Argument(help="The key's id, `sk_...` (see `aic keys list`).")],
) -> None:
    """Revoke a key; running ai processes refuse it within AIC_SERVICE_KEY_CACHE_SECONDS."""
    from aic.cli.keys import run_keys_revoke

    run_keys_revoke(key_id)


PasswordStdin = Annotated[
    bool,
    typer.Option(
        "--password-stdin", help="Read the password from one line of stdin (for scripts)."
    ),
]


@admin_app.command("create")
def admin_create(
    email: Annotated[str | None, typer.Option(help="The administrator's e-mail.")] = None,
    name: Annotated[str | None, typer.Option(help="The name shown to colleagues.")] = None,
    password_stdin: PasswordStdin = False,
    force: Annotated[
        bool, typer.Option(help="Add an administrator even though one can sign in.")
    ] = False,
) -> None:
    """Create the first administrator (asks for the password twice, hidden)."""
    from aic.cli.admin import run_admin_create

    run_admin_create(email, name, password_stdin, force)


@admin_app.command("set-password")
def admin_set_password(
    email: Annotated[str, typer.Argument(help="The account's e-mail.")],
    password_stdin: PasswordStdin = False,
) -> None:
    """Set an account's password (a demo account, a forgotten one); its sessions end."""
    from aic.cli.admin import run_admin_set_password

    run_admin_set_password(email, password_stdin)


@app.command()
def access() -> None:
    """Print who may call which backend route, as Markdown (docs/access.md is this output)."""
    from aic.cli.admin import run_access

    run_access()


@app.command()
def version() -> None:
    """Print the installed version."""
    typer.echo(__version__)


def main() -> None:
    app()
