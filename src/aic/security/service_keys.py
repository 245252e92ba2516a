"""The service key shared by backend and ai when none is configured: made once, kept on disk."""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

__all__ = ["SERVICE_KEY_FILE", "load_or_create_secret", "load_or_create_service_key"]

SERVICE_KEY_FILE = "service_api_key"


def load_or_create_service_key(data_dir: Path) -> str:
    """Read ``data_dir/service_api_key``, creating it (mode 0600) if missing."""
    return load_or_create_secret(data_dir, SERVICE_KEY_FILE, "aic_sk_")


def load_or_create_secret(data_dir: Path, name: str, prefix: str = "") -> str:
    """Read the secret ``data_dir/name``, creating a random one (mode 0600) if missing.

    Several processes may start at once: the file is created exclusively and the losers
    read the winner's secret.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / name
    with contextlib.suppress(FileNotFoundError):
        key = path.read_text().strip()
        if key:
            return key
    key = prefix + secrets.token_urlsafe(32)
    tmp = path.with_name(f".{name}.{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    try:
        os.link(tmp, path)  # fails if another process won the race
    except FileExistsError:
        key = path.read_text().strip()
    finally:
        tmp.unlink()
    return key
