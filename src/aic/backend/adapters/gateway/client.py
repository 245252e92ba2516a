"""HTTP client of the ai service: pooled, authenticated, forwarding the correlation id."""

from __future__ import annotations

import ssl

import httpx2

from aic.observability.correlation import CORRELATION_HEADER, current_correlation_id

__all__ = ["AIServiceClient"]


class AIServiceClient:
    """Every call carries the service key and the current ``X-Correlation-ID``.

    ``transport`` is the seam tests use (``httpx2.MockTransport``) instead of patching.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float = 10.0,
        verify: bool | ssl.SSLContext = True,
        transport: httpx2.AsyncBaseTransport | None = None,
    ) -> None:
        self._http = httpx2.AsyncClient(
            base_url=base_url,
            headers={"Authorization": f"Bearer {api_key}"},
            timeout=timeout,
            verify=verify,
            transport=transport,
            limits=httpx2.Limits(max_connections=100, max_keepalive_connections=20),
            event_hooks={"request": [_forward_correlation_id]},
        )

    async def health(self) -> None:
        """Raise unless ai answers its liveness probe."""
        response = await self._http.get("/health")
        response.raise_for_status()

    async def aclose(self) -> None:
        await self._http.aclose()


async def _forward_correlation_id(request: httpx2.Request) -> None:
    correlation_id = current_correlation_id()
    if correlation_id:
        request.headers[CORRELATION_HEADER] = correlation_id
