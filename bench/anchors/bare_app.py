"""The anchor: a bare FastAPI app on uvicorn, one worker, one small JSON endpoint.

``python bench/anchors/bare_app.py --port P`` serves ``GET /live`` on 127.0.0.1:P. It is
what the platform's start time, memory and request rate are compared against: FastAPI and
uvicorn with nothing of ours on top (no logging, metrics, headers or correlation ids).

``POST /api/leads`` validates the backend's own lead form model and answers 202 with a new
id, storing nothing: the framework's floor under the command benchmark.
"""

from __future__ import annotations

import argparse
import uuid

import uvicorn
from fastapi import FastAPI, status

from aic.backend.entrypoints.api.lead_schemas import CaptureLeadRequest

app = FastAPI()


@app.get("/live")
async def live() -> dict[str, str]:
    return {"status": "ok", "service": "bare", "version": "0.0.0"}


@app.post("/api/leads", status_code=status.HTTP_202_ACCEPTED)
async def capture(body: CaptureLeadRequest) -> dict[str, str]:
    return {"lead_id": str(uuid.uuid4()), "status": "accepted"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        access_log=False,
        server_header=False,
    )


if __name__ == "__main__":
    main()
