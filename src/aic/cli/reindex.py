"""``aic reindex``: the backend's published content into ai's content index, for retrieval.

ai holds only derived data; this rebuilds its ``content`` passages from the source of truth.
It pages through ``GET /api/content?published=true`` on the backend and sends each page to
``POST /v1/content/index`` on ai, both with the service key.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx2
from pydantic import ValidationError
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from aic.cli.output import console, fail, settings_error
from aic.cli.settings import PlatformSettings, local_url
from aic.security.service_keys import load_or_create_service_key

__all__ = [
    "ReindexError",
    "Reindexer",
    "content_passages",
    "reindex",
    "reindex_if_empty",
    "run_reindex",
]

_PAGE = 50  # items per backend page and per ai request (ai accepts up to 100)


class ReindexError(Exception):
    """What went wrong, in words that say what to do."""


@dataclass(frozen=True)
class ReindexResult:
    documents: int
    passages: int


def _document(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "content_id": item["content_id"],
        "slug": item["slug"],
        "title": item["title"],
        "content_type": item["content_type"],
        "portals": item["portals"],
        "segment": item["segment"],
        "tags": item.get("tags", []),
        "summary": item.get("summary", ""),
        "published": True,
        "body_markdown": item["body_markdown"],
    }


class Reindexer:
    """Moves pages of published content from the backend to ai; no state besides the clients."""

    def __init__(self, backend: httpx2.Client, ai: httpx2.Client) -> None:
        self.backend = backend
        self.ai = ai

    def _call(self, client: httpx2.Client, service: str, method: str, path: str, **kw: Any) -> Any:
        try:
            response = client.request(method, path, **kw)
        except httpx2.HTTPError as exc:
            raise ReindexError(
                f"{service} is not reachable at {client.base_url} ({type(exc).__name__}): start "
                f"it (`aic up`, or `aic {service}`) or set AIC_{service.upper()}_URL."
            ) from exc
        if response.status_code in (401, 403):
            raise ReindexError(
                f"{service} refused the service key ({response.status_code}): set "
                "AIC_SERVICE_API_KEY to a key both services accept."
            )
        if response.status_code >= 400:
            raise ReindexError(
                f"{service} answered {response.status_code} to {method} {path}: "
                + response.text[:500]
            )
        return response.json()

    def passage_count(self) -> int:
        return int(self._call(self.ai, "ai", "GET", "/v1/content/index")["passages"])

    def clear(self) -> None:
        self._call(self.ai, "ai", "DELETE", "/v1/content/index")

    def run(self, progress: Callable[[int, int], None] = lambda done, total: None) -> ReindexResult:
        offset = documents = passages = 0
        while True:
            page = self._call(
                self.backend,
                "backend",
                "GET",
                "/api/content",
                params={"published": "true", "limit": _PAGE, "offset": offset},
            )
            items = page["items"]
            total = int(page["total"])
            if items:
                sent = self._call(
                    self.ai,
                    "ai",
                    "POST",
                    "/v1/content/index",
                    json={"documents": [_document(i) for i in items]},
                )
                documents += len(items)
                passages += int(sent["passages"])
            offset += len(items)
            progress(offset, total)
            if not items or offset >= total:
                return ReindexResult(documents, passages)


def _clients(settings: PlatformSettings) -> tuple[httpx2.Client, httpx2.Client]:
    key = settings.service_api_key or load_or_create_service_key(settings.data_dir)
    verify: ssl.SSLContext | bool = (
        ssl.create_default_context(cafile=settings.tls_ca_file) if settings.tls_ca_file else True
    )
    headers = {"X-API-Key": key}
    backend = settings.backend_url.rstrip("/")
    timeout = httpx2.Timeout(120.0, connect=5.0)  # embedding a page takes seconds
    return (
        httpx2.Client(base_url=backend, headers=headers, timeout=timeout, verify=verify),
        httpx2.Client(
            base_url=settings.ai_url.rstrip("/"), headers=headers, timeout=timeout, verify=verify
        ),
    )


def content_passages(settings: PlatformSettings) -> int | None:
    """How many passages ai holds; ``None`` if ai cannot be asked."""
    backend, ai = _clients(settings)
    with backend, ai:
        try:
            return Reindexer(backend, ai).passage_count()
        except ReindexError:
            return None


def reindex(
    settings: PlatformSettings, *, recreate: bool = False, quiet: bool = False
) -> ReindexResult:
    backend, ai = _clients(settings)
    with backend, ai:
        reindexer = Reindexer(backend, ai)
        if recreate:
            reindexer.clear()
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
        with Progress(*columns, TimeElapsedColumn(), console=console, disable=quiet) as bar:
            task = bar.add_task("indexing published content", total=None)

            def advance(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            return reindexer.run(advance)


def run_reindex(recreate: bool) -> None:
    try:
        settings = PlatformSettings()
    except ValidationError as exc:
        settings_error(exc)
    try:
        result = reindex(settings, recreate=recreate)
    except ReindexError as exc:
        fail(str(exc), 1)
    console.print(f"indexed {result.documents} published items as {result.passages} passages")


def reindex_if_empty(settings: PlatformSettings) -> None:
    """``aic up``: fill an empty content index from the services it just started, so offline
    generation is grounded from the first minute; a failure is a warning, not fatal."""
    tls = settings.tls_enabled
    here = settings.model_copy(
        update={
            "backend_url": local_url(settings.backend_host, settings.backend_port, tls=tls),
            "ai_url": local_url(settings.ai_host, settings.ai_port, tls=tls),
        }
    )
    try:
        if content_passages(here) != 0:
            return
        console.print("empty content index: indexing the published content for ai")
        result = reindex(here)
    except ReindexError as exc:
        console.print(f"[yellow]warning:[/] content indexing failed: {exc} (`aic reindex` retries)")
        return
    console.print(f"indexed {result.documents} published items as {result.passages} passages")
