"""``aic admin``: the first administrator from the command line, and passwords never shown."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner, Result

from aic.backend.entrypoints.app import create_app
from aic.backend.settings import BackendSettings
from aic.cli import app
from aic.cli.admin import admin_hint
from tests.support.services import free_ports

PASSWORD = "a long admin passphrase 42"


def _aic(data_dir: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIC_")}
    env |= {"AIC_DATA_DIR": str(data_dir), "AIC_LOG_LEVEL": "debug"}
    return subprocess.run(
        [sys.executable, "-m", "aic", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def _sign_ins(data_dir: Path, *attempts: tuple[str, str]) -> list[int]:
    """The status of each (email, password) sign-in on a backend over ``data_dir``."""
    settings = BackendSettings(
        data_dir=data_dir, ai_url=f"http://127.0.0.1:{free_ports(1)[0]}", log_level="warning"
    )
    statuses = []
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        for email, password in attempts:
            response = client.post("/api/auth/login", json={"email": email, "password": password})
            if response.status_code == 200:
                assert response.json()["account"]["roles"] == ["admin"]
            statuses.append(response.status_code)
    return statuses


def test_admin_create_reads_the_password_from_stdin_and_never_shows_it(tmp_path: Path) -> None:
    created = _aic(
        tmp_path, "admin", "create", "--email", "Root@Example.com", "--name", "Root",
        "--password-stdin", stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    assert "administrator root@example.com created" in created.stderr
    assert PASSWORD not in created.stdout + created.stderr
    for stored in tmp_path.rglob("*"):
        if stored.is_file():
            assert PASSWORD.encode() not in stored.read_bytes(), stored
    assert _sign_ins(tmp_path, ("root@example.com", PASSWORD), ("root@example.com", "x")) == [
        200,
        401,
    ]


@pytest.fixture
def aic_here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    """``aic`` run in this process (fast) on a data folder of its own."""
    for name in [n for n in os.environ if n.startswith("AIC_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("AIC_DATA_DIR", str(tmp_path))

    def run(*args: str, stdin: str = "") -> Result:
        return CliRunner().invoke(app, list(args), input=stdin)

    return run


def test_a_second_admin_needs_force_and_a_weak_password_is_refused(
    aic_here: Callable[..., Result],
) -> None:
    first = ("admin", "create", "--email", "one@example.com", "--name", "One", "--password-stdin")
    assert aic_here(*first, stdin=PASSWORD).exit_code == 0
    second = ["admin", "create", "--email", "two@example.com", "--name", "Two", "--password-stdin"]
    refused = aic_here(*second, stdin=PASSWORD)
    assert refused.exit_code == 2
    assert "--force" in refused.output
    weak = aic_here(*second, "--force", stdin="short")
    assert weak.exit_code == 2
    assert "at least 12 characters" in weak.output
    taken = aic_here(*first, "--force", stdin=PASSWORD)
    assert taken.exit_code == 2
    assert "exists" in taken.output
    assert aic_here(*second, "--force", stdin=PASSWORD).exit_code == 0


def test_set_password_gives_an_account_a_new_password(
    aic_here: Callable[..., Result], tmp_path: Path
) -> None:
    create = ("admin", "create", "--email", "ops@example.com", "--name", "Ops", "--password-stdin")
    assert aic_here(*create, stdin=PASSWORD).exit_code == 0
    new = "another long passphrase"
    changed = aic_here("admin", "set-password", "OPS@example.com", "--password-stdin", stdin=new)
    assert changed.exit_code == 0, changed.output
    assert new not in changed.output
    unknown = aic_here("admin", "set-password", "nobody@example.com", "--password-stdin", stdin=new)
    assert unknown.exit_code == 2
    assert "No account" in unknown.output
    attempts = (("ops@example.com", new), ("ops@example.com", PASSWORD))
    assert _sign_ins(tmp_path, *attempts) == [200, 401]


def test_admin_create_asks_for_the_password_twice_without_echoing_it(
    aic_here: Callable[..., Result],
) -> None:
    typed = f"{PASSWORD}\nnot the same password\n{PASSWORD}\n{PASSWORD}\n"
    result = aic_here(
        "admin", "create", "--email", "prompt@example.com", "--name", "P", stdin=typed
    )
    assert result.exit_code == 0, result.output
    assert "do not match" in result.output
    assert PASSWORD not in result.output


def test_aic_up_says_how_to_create_the_first_admin_until_one_can_sign_in(
    aic_here: Callable[..., Result], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert aic_here("migrate").exit_code == 0
    settings = BackendSettings(data_dir=tmp_path)
    admin_hint(settings)
    assert "aic admin create" in capsys.readouterr().err
    create = ("admin", "create", "--email", "a@example.com", "--name", "A", "--password-stdin")
    assert aic_here(*create, stdin=PASSWORD).exit_code == 0
    capsys.readouterr()
    admin_hint(settings)
    assert "aic admin create" not in capsys.readouterr().err
