"""One portal's ASGI app: server-rendered pages, static assets, liveness."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from aic import __version__
from aic.asgi import NO_OPENTELEMETRY, install_http_stack
from aic.contracts.health import Liveness
from aic.settings import local_url
from aic.web.portals import PORTALS, Portal, portal_port
from aic.web.settings import WebSettings

__all__ = ["create_portal_app"]

_HERE = Path(__file__).parent


def create_portal_app(portal: Portal, settings: WebSettings) -> FastAPI:
    templates = Jinja2Templates(directory=_HERE / "templates")
    app = FastAPI(
        title=f"{portal.name} portal",
        version=__version__,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        telemetry=NO_OPENTELEMETRY,
    )
    install_http_stack(app, settings)
    app.mount("/static", StaticFiles(directory=_HERE / "static"), name="static")
    tls = settings.tls_enabled
    siblings = [
        (p, local_url(settings.web_host, portal_port(settings, p), tls=tls) + "/") for p in PORTALS
    ]

    @app.api_route("/", methods=["GET", "HEAD"], response_class=HTMLResponse)
    async def home(request: Request) -> HTMLResponse:
        return templates.TemplateResponse(
            request,
            "portal.html",
            {"portal": portal, "siblings": siblings, "version": __version__},
        )

    @app.api_route("/health", methods=["GET", "HEAD"])
    async def health() -> Liveness:
        return Liveness(service=f"web-{portal.key}", version=__version__)

    return app
