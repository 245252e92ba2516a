"""Event transports: in-process (embedded default) and Redis Streams (scale-out)."""

from aic.backend.adapters.transport.codec import DeadLetter
from aic.backend.adapters.transport.inprocess import InProcessEventTransport
from aic.backend.adapters.transport.redis_streams import RedisStreamsEventTransport

__all__ = ["DeadLetter", "InProcessEventTransport", "RedisStreamsEventTransport"]
