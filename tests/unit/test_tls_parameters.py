"""TLS settings in AIC_DATABASE_URL and AIC_REDIS_URL reach libpq and redis-py unchanged.

No TLS server is needed: a loopback listener answers the first bytes of each protocol, and the
drivers' own errors show which parameters they were given.
"""

from __future__ import annotations

import asyncio
import struct
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import psycopg
import pytest
from prometheus_client import CollectorRegistry
from psycopg.conninfo import conninfo_to_dict
from redis.asyncio.connection import SSLConnection

from aic.backend.adapters.eventstore import open_event_store
from aic.backend.adapters.leases import PostgresAdvisoryLease
from aic.backend.adapters.transport import RedisStreamsEventTransport
from aic.backend.bootstrap import bootstrap
from aic.backend.settings import BackendSettings
from aic.security.ratelimit import build_rate_limiter
from aic.settings import CommonSettings
from aic.storage import migrate
from aic.storage.postgres import PostgresDatabase

SSL_REQUEST, GSSENC_REQUEST = 80877103, 80877104
TLS_HANDSHAKE = 0x16  # the first byte of a TLS record carrying a ClientHello


class Listener:
    """Records what clients send first; answers PostgreSQL's SSLRequest with ``reply``."""

    def __init__(self, reply: bytes = b"S") -> None:
        self.reply = reply
        self.first_bytes: list[bytes] = []
        self.port = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readexactly(8)
                self.first_bytes.append(head)
                length, code = struct.unpack("!ii", head)
                if length != 8 or code not in (SSL_REQUEST, GSSENC_REQUEST):
                    return  # not a PostgreSQL negotiation: a TLS ClientHello, say
                writer.write(self.reply if code == SSL_REQUEST else b"N")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            return
        finally:
            writer.close()

    @property
    def ssl_requests(self) -> int:
        return sum(struct.unpack("!ii", head) == (8, SSL_REQUEST) for head in self.first_bytes)


@asynccontextmanager
async def listening(reply: bytes = b"S") -> AsyncIterator[Listener]:
    listener = Listener(reply)
    server = await asyncio.start_server(listener.handle, "127.0.0.1", 0)
    listener.port = server.sockets[0].getsockname()[1]
    async with server:
        yield listener


def postgres_url(port: int, query: str) -> str:
    return f"postgresql://aic@127.0.0.1:{port}/aic?connect_timeout=3&{query}"


async def connect_failure(connect: Callable[[], Awaitable[object]]) -> str:
    with pytest.raises(psycopg.OperationalError) as caught:
        await connect()
    return str(caught.value)


def test_sslmode_require_reaches_libpq_and_refuses_a_server_without_tls() -> None:
    async def scenario() -> None:
        async with listening(reply=b"N") as server:
            url = postgres_url(server.port, "sslmode=require")
            message = await connect_failure(lambda: migrate(url, []))
            assert "SSL" in message
            assert "required" in message
            assert server.ssl_requests == 1

    asyncio.run(scenario())


def test_sslrootcert_reaches_libpq_through_every_postgresql_path(tmp_path: Path) -> None:
    missing = tmp_path / "aic-missing-ca.pem"
    query = f"sslmode=verify-full&sslrootcert={missing}"

    async def scenario() -> None:
        async with listening(reply=b"S") as server:
            url = postgres_url(server.port, query)
            lease = PostgresAdvisoryLease(url, "tls-check", connect_timeout=3)
            paths: dict[str, Callable[[], Awaitable[object]]] = {
                "migrations": lambda: migrate(url, []),
                "event store": lambda: open_event_store(url),
                "lease": lease._connect,
            }
            for name, connect in paths.items():
                message = await connect_failure(connect)
                assert str(missing) in message, f"{name}: {message}"
            assert server.ssl_requests == len(paths)

    asyncio.run(scenario())


def test_the_shared_sql_pool_hands_libpq_the_url_with_its_tls_parameters(tmp_path: Path) -> None:
    url = postgres_url(5432, f"sslmode=verify-full&sslrootcert={tmp_path}/ca.pem&sslcert=c.pem")
    database = PostgresDatabase(url)
    assert database.pool.conninfo == url
    params = conninfo_to_dict(database.pool.conninfo)
    assert (params["sslmode"], params["sslrootcert"], params["sslcert"]) == (
        "verify-full",
        f"{tmp_path}/ca.pem",
        "c.pem",
    )


REDIS_TLS_QUERY = "ssl_cert_reqs=required&ssl_ca_certs=/etc/aic/redis-ca.pem"


def assert_tls_client(connection_pool: object) -> None:
    kwargs = connection_pool.connection_kwargs  # type: ignore[attr-defined]
    assert connection_pool.connection_class is SSLConnection  # type: ignore[attr-defined]
    assert kwargs["ssl_cert_reqs"] == "required"
    assert kwargs["ssl_ca_certs"] == "/etc/aic/redis-ca.pem"


def test_rediss_urls_give_every_redis_client_tls_with_its_parameters(tmp_path: Path) -> None:
    url = f"rediss://cache.internal:6380/0?{REDIS_TLS_QUERY}"
    transport = RedisStreamsEventTransport.from_url(url, prefix="aic:")
    assert_tls_client(transport._redis.connection_pool)
    settings = CommonSettings(redis_url=url, rate_limits_enabled=True)
    limiter = build_rate_limiter(
        settings, {"public": "1/minute"}, service="backend", registry=CollectorRegistry()
    )
    assert limiter._shared is not None
    storage = limiter._shared.storage
    assert_tls_client(storage.bridge.storage.connection_pool)  # type: ignore[attr-defined]


def test_the_backend_container_redis_client_speaks_tls_to_a_rediss_url(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with listening() as server:
            url = f"rediss://127.0.0.1:{server.port}/0?ssl_cert_reqs=none"
            settings = BackendSettings(
                data_dir=tmp_path, redis_url=url, ai_url="http://127.0.0.1:9"
            )
            async with bootstrap(settings, run_loops=False) as container:
                assert container.redis is not None
                pool = container.redis.connection_pool
                assert pool.connection_class is SSLConnection
                with pytest.raises(Exception):  # noqa: B017,PT011 -- any failure: no TLS there
                    await container.redis.ping()
            assert server.first_bytes
            assert server.first_bytes[0][0] == TLS_HANDSHAKE

    asyncio.run(scenario())
