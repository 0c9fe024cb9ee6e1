"""Serves the coder web client under ``/ui``: one HTML page, its stylesheet and ES modules.

The client has no build step and loads nothing from elsewhere: every file it needs ships in
``app/web/static`` and is read with ``importlib.resources`` once per process (a release restarts
the service). Only files found there can be served, so a crafted path can never reach outside
the folder. Every action the client
takes goes through the ``/v1`` API with the coder's own key; this router serves files only.
"""

from __future__ import annotations

import functools
import hashlib
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Annotated

from fastapi import APIRouter, Header, Request, Response
from fastapi.responses import RedirectResponse

_MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".txt": "text/plain; charset=utf-8",
}

router = APIRouter(include_in_schema=False)


@functools.cache
def _assets() -> dict[str, tuple[bytes, str, str]]:
    """Every servable file by its path under ``static/``: (body, media type, ETag)."""
    found: dict[str, tuple[bytes, str, str]] = {}

    def walk(folder: Traversable, prefix: str) -> None:
        for entry in folder.iterdir():
            name = f"{prefix}{entry.name}"
            if entry.is_dir():
                walk(entry, f"{name}/")
                continue
            suffix = name[name.rfind(".") :] if "." in name else ""
            if suffix in _MEDIA_TYPES:
                body = entry.read_bytes()
                etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
                found[name] = (body, _MEDIA_TYPES[suffix], etag)

    walk(files("app.web") / "static", "")
    return found


def _serve(name: str, if_none_match: str | None) -> Response:
    asset = _assets().get(name)
    if asset is None:
        return Response(status_code=404, content="not found", media_type="text/plain")
    body, media_type, etag = asset
    # Revalidate every time (files change with each release); a matching ETag costs no body.
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    if if_none_match == etag:
        return Response(status_code=304, headers=headers)
    return Response(content=body, media_type=media_type, headers=headers)


@router.get("/ui")
def ui_root(request: Request) -> RedirectResponse:
    """Redirect to ``/ui/`` so the page's relative links resolve under any mount point."""
    return RedirectResponse(url=str(request.url_for("ui_index")), status_code=307)


@router.get("/ui/")
def ui_index(if_none_match: Annotated[str | None, Header()] = None) -> Response:
    """The client's single page; views are switched in the page by the URL fragment."""
    return _serve("index.html", if_none_match)


@router.get("/ui/static/{path:path}")
def ui_static(path: str, if_none_match: Annotated[str | None, Header()] = None) -> Response:
    """One of the client's static files (stylesheet, ES modules)."""
    return _serve(path, if_none_match)
