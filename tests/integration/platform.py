"""Start ``aic up`` (or one service) on free ports with its own data folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from aic.web.portals import PORTALS
from tests.support.services import ServiceProcess, free_ports

__all__ = ["RunningPlatform", "start_platform"]


@dataclass
class RunningPlatform:
    process: ServiceProcess
    backend: str
    ai: str
    portals: dict[str, str]


def start_platform(folder: Path, scheme: str = "http", **extra_env: str) -> RunningPlatform:
    backend_port, ai_port, *portal_ports = free_ports(2 + len(PORTALS))
    env = {
        "AIC_DATA_DIR": str(folder / "data"),
        "AIC_BACKEND_PORT": str(backend_port),
        "AIC_AI_PORT": str(ai_port),
        **{
            f"AIC_WEB_{p.key.upper()}_PORT": str(port)
            for p, port in zip(PORTALS, portal_ports, strict=True)
        },
        **extra_env,
    }
    process = ServiceProcess(["up", "--timeout", "60", "--no-seed"], env, folder / "aic-up.log")
    platform = RunningPlatform(
        process=process,
        backend=f"{scheme}://127.0.0.1:{backend_port}",
        ai=f"{scheme}://127.0.0.1:{ai_port}",
        portals={
            p.key: f"{scheme}://127.0.0.1:{port}"
            for p, port in zip(PORTALS, portal_ports, strict=True)
        },
    )
    verify = str(Path(extra_env["AIC_TLS_CA_FILE"])) if "AIC_TLS_CA_FILE" in extra_env else None
    try:
        process.wait_until(f"{platform.backend}/api/health", timeout=60, verify=verify)
        process.wait_until(f"{platform.ai}/health", verify=verify)
        for url in platform.portals.values():
            process.wait_until(f"{url}/health", verify=verify)
    except BaseException:
        process.stop()
        raise
    return platform
