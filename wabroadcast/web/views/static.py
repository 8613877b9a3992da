"""The panel's CSS, JS and icon, served from the package itself: the panel works offline."""

from __future__ import annotations

import mimetypes

from fastapi import APIRouter
from fastapi.responses import FileResponse, Response

from wabroadcast.web.views.render import STATIC_DIR, Panel

_TYPES = {".css": "text/css", ".js": "text/javascript", ".svg": "image/svg+xml"}


def routes(panel: Panel) -> APIRouter:
    router = APIRouter()
    files = {path.name: path for path in STATIC_DIR.iterdir() if path.is_file()}

    @router.get("/static/{name}")
    def static_file(name: str) -> Response:
        """Only the files shipped in web/static (a fixed list: no path tricks possible)."""
        path = files.get(name)
        if path is None:
            return Response("not found", status_code=404, media_type="text/plain")
        kind = _TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "text/plain"
        headers = {"Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff"}
        return FileResponse(path, media_type=kind, headers=headers)

    return router
