"""Raw realtime clients for tests: an SSE reader over asyncio streams, a WebSocket helper."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from dataclasses import dataclass, field
from typing import Any

import orjson
from websockets.asyncio.client import ClientConnection, connect
from websockets.client import ClientProtocol
from websockets.frames import Close, Opcode
from websockets.http11 import Response
from websockets.uri import parse_uri

__all__ = ["SseMessage", "SseStream", "StalledSocket", "open_socket", "receive_json"]


@dataclass
class SseMessage:
    id: str | None = None
    event: str | None = None
    data: str | None = None
    comments: list[str] = field(default_factory=list)
    retry: int | None = None

    def json(self) -> Any:
        assert self.data is not None, self
        return orjson.loads(self.data)

    def data_text(self) -> str:
        return self.data or ""


class SseStream:
    """``GET path`` as a browser's EventSource would send it, read message by message.

    Raw HTTP/1.1 (chunked) rather than an HTTP library: hundreds of these run in one test
    process, and a test can make one a slow reader (a tiny receive buffer, never read).
    """

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer
        self._text = ""
        self.status = 0
        self.headers: dict[str, str] = {}
        self.ended = False

    @classmethod
    async def open(
        cls,
        port: int,
        path: str,
        headers: dict[str, str] | None = None,
        *,
        receive_buffer: int | None = None,
    ) -> SseStream:
        sock = socket.socket()
        if receive_buffer is not None:  # before connecting, so the window stays small
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        sock.setblocking(False)
        await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", port))
        # A small read limit: the stream stops reading from the socket at twice this.
        reader, writer = await asyncio.open_connection(sock=sock, limit=2**14)
        stream = cls(reader, writer)
        lines = [f"GET {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Accept: text/event-stream"]
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
        await writer.drain()
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        stream.status = int(head[0].split()[1])
        for line in head[1:]:
            if ":" in line:
                name, _, value = line.partition(":")
                stream.headers[name.strip().lower()] = value.strip()
        return stream

    async def body(self) -> bytes:
        """The whole (finite) body of a refused request."""
        length = int(self.headers.get("content-length", "0"))
        return await self._reader.readexactly(length)

    async def message(self) -> SseMessage:
        """The next message (events, and comment-only blocks such as heartbeats)."""
        while "\n\n" not in self._text:
            if not await self._read_chunk():
                raise EOFError("the stream ended")
        block, _, self._text = self._text.partition("\n\n")
        message = SseMessage()
        for line in block.split("\n"):
            name, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if name == "":
                message.comments.append(value)
            elif name == "id":
                message.id = value
            elif name == "event":
                message.event = value
            elif name == "data":
                message.data = value if message.data is None else f"{message.data}\n{value}"
            elif name == "retry":
                message.retry = int(value)
        return message

    async def event(self) -> SseMessage:
        """The next message that is an event (heartbeats skipped)."""
        while True:
            message = await self.message()
            if message.event is not None:
                return message

    async def until_end(self) -> list[SseMessage]:
        """Every message left, up to the end of the stream (then closed)."""
        messages = []
        try:
            while True:
                messages.append(await self.message())
        except (EOFError, ConnectionError, asyncio.IncompleteReadError):
            await self.close()
            return messages

    async def _read_chunk(self) -> bool:
        size_line = await self._reader.readline()
        if not size_line:
            self.ended = True
            return False
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            await self._reader.readline()
            self.ended = True
            return False
        self._text += (await self._reader.readexactly(size + 2))[:-2].decode()
        return True

    async def close(self) -> None:
        self._writer.close()
        with contextlib.suppress(ConnectionError, OSError):
            await self._writer.wait_closed()


def open_socket(port: int, path: str, token: str | None = None, **options: Any) -> Any:
    """``websockets`` ``connect`` to the backend, with the token as the query parameter."""
    query = f"{'&' if '?' in path else '?'}access_token={token}" if token else ""
    return connect(f"ws://127.0.0.1:{port}{path}{query}", open_timeout=10, **options)


async def receive_json(socket: ClientConnection) -> Any:
    async with asyncio.timeout(10):
        return orjson.loads(await socket.recv())


class StalledSocket:
    """A WebSocket client that subscribes, then reads nothing until told to: raw bytes over
    a socket with a tiny receive window, framed by the ``websockets`` sans-I/O protocol
    (the library's own client keeps reading into memory)."""

    def __init__(
        self, protocol: ClientProtocol, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self._protocol = protocol
        self._reader = reader
        self._writer = writer

    @classmethod
    async def open(cls, port: int, path: str, token: str, first_message: str) -> StalledSocket:
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.setblocking(False)
        await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", port))
        reader, writer = await asyncio.open_connection(sock=sock, limit=2**14)
        protocol = ClientProtocol(parse_uri(f"ws://127.0.0.1:{port}{path}?access_token={token}"))
        protocol.send_request(protocol.connect())
        stalled = cls(protocol, reader, writer)
        await stalled._flush()
        while not any(isinstance(e, Response) for e in await stalled._receive()):
            pass
        protocol.send_text(first_message.encode())
        await stalled._flush()
        return stalled

    async def close_frame(self) -> Close | None:
        """Read everything now, up to the end of the connection; the close frame received."""
        while self._protocol.close_rcvd is None and not self._reader.at_eof():
            await self._receive()
        self._writer.close()
        with contextlib.suppress(ConnectionError, OSError):
            await self._writer.wait_closed()
        return self._protocol.close_rcvd

    async def _receive(self) -> list[object]:
        data = await self._reader.read(2**16)
        if data:
            self._protocol.receive_data(data)
        else:
            self._protocol.receive_eof()
        events = self._protocol.events_received()
        await self._flush()  # pongs, the closing handshake
        return [e for e in events if getattr(e, "opcode", None) is not Opcode.PING]

    async def _flush(self) -> None:
        for data in self._protocol.data_to_send():
            if data:
                self._writer.write(data)
        with contextlib.suppress(ConnectionError):
            await self._writer.drain()
