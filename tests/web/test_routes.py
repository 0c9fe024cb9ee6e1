"""The web client's router: the page and its files are served from the package, nothing else."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.web.routes import router


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    app = FastAPI()
    app.include_router(router)
    with TestClient(app) as test_client:
        yield test_client


def test_ui_redirects_to_the_page_with_a_trailing_slash(client: TestClient) -> None:
    response = client.get("/ui", follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"].endswith("/ui/")


@pytest.mark.parametrize(
    ("path", "media_type"),
    [
        ("/ui/", "text/html"),
        ("/ui/static/app.css", "text/css"),
        ("/ui/static/js/main.js", "text/javascript"),
        ("/ui/static/js/notetext.js", "text/javascript"),
        ("/ui/static/favicon.svg", "image/svg+xml"),
    ],
)
def test_files_are_served_with_their_media_type(
    client: TestClient, path: str, media_type: str
) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media_type)


@pytest.mark.parametrize(
    "path",
    [
        "/ui/static/../routes.py",
        "/ui/static/..%2Froutes.py",
        "/ui/static/%2e%2e/%2e%2e/cli.py",
        "/ui/static/js/",
        "/ui/static/missing.js",
        "/ui/static/js/main.js.map",
    ],
)
def test_nothing_outside_the_static_folder_is_served(client: TestClient, path: str) -> None:
    assert client.get(path).status_code == 404


def test_a_matching_etag_is_answered_without_a_body(client: TestClient) -> None:
    first = client.get("/ui/static/app.css")
    again = client.get("/ui/static/app.css", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    assert again.content == b""


def test_the_page_runs_under_a_strict_csp(client: TestClient) -> None:
    """No inline script, style or handler, and nothing loaded from another origin."""
    page = client.get("/ui/").text
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page) is None
    assert re.search(r"\son[a-z]+\s*=", page) is None
    assert re.search(r"<style|\sstyle\s*=", page) is None
    assert re.search(r"(src|href)\s*=\s*\"(https?:)?//", page) is None


@pytest.mark.parametrize("name", ["js/main.js", "js/note.js", "js/notetext.js", "js/api.js"])
def test_scripts_load_nothing_from_another_origin(client: TestClient, name: str) -> None:
    source = client.get(f"/ui/static/{name}").text
    assert re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", source) is None
    assert "innerHTML" not in source  # note text is never parsed as markup
