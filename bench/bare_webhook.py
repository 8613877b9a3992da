"""A bare Starlette POST /webhook checking the same HMAC, nothing stored: the ceiling of the
HTTP stack on this machine, which bench/webhooks.py measures in the same run.

    python bench/bare_webhook.py PORT APP_SECRET [--http httptools|h11] [--loop uvloop|asyncio]
"""

from __future__ import annotations

import argparse

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from wabroadcast.webhooks.verify import SIGNATURE_HEADER, SignatureCheck, check_signature


def build(secret: str) -> Starlette:
    async def receive(request: Request) -> Response:
        body = await request.body()
        if check_signature(body, request.headers.get(SIGNATURE_HEADER), secret) is not (
            SignatureCheck.VALID
        ):
            return JSONResponse({"error": "bad signature"}, status_code=403)
        return JSONResponse({"status": "received"})

    return Starlette(routes=[Route("/webhook", receive, methods=["POST"])])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("secret")
    parser.add_argument("--http", default="auto")
    parser.add_argument("--loop", default="auto")
    args = parser.parse_args()
    uvicorn.run(
        build(args.secret),
        host="127.0.0.1",
        port=args.port,
        http=args.http,
        loop=args.loop,
        log_level="warning",
        access_log=False,
    )


if __name__ == "__main__":
    main()
