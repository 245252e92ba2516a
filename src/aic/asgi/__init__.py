"""The HTTP plumbing shared by every AIC service."""

from aic.asgi.errors import ApiError, install_error_handlers
from aic.asgi.stack import NO_OPENTELEMETRY, add_metrics_route, install_http_stack

__all__ = [
    "NO_OPENTELEMETRY",
    "ApiError",
    "add_metrics_route",
    "install_error_handlers",
    "install_http_stack",
]
