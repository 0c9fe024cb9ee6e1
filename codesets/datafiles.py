"""Shipped code-set data read through its manifest: every file is checked before it is parsed.

Each release folder under ``codesets/data`` holds a ``manifest.json`` whose ``files`` map names
each data file to its ``sha256``; a file that does not match raises ``CodeSetIntegrityError``.
Folders are reached with ``importlib.resources``, so an installed package works as a checkout.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from importlib import resources
from importlib.abc import Traversable
from typing import Any

from codesets.errors import CodeSetIntegrityError


def data_folder(*parts: str) -> Traversable:
    """The shipped folder ``codesets/data/<parts...>``."""
    folder = resources.files("codesets").joinpath("data")
    for part in parts:
        folder = folder.joinpath(part)
    return folder


def read_manifest(folder: Traversable) -> dict[str, Any]:
    """The folder's ``manifest.json``; raises ``CodeSetIntegrityError`` when missing or bad."""
    item = folder.joinpath("manifest.json")
    if not item.is_file():
        raise CodeSetIntegrityError(f"{folder}: manifest.json is missing")
    try:
        manifest = json.loads(item.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        raise CodeSetIntegrityError(f"{folder}/manifest.json is not valid JSON: {error}") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        raise CodeSetIntegrityError(f"{folder}/manifest.json has no 'files' map")
    return manifest


def read_verified(folder: Traversable, name: str, manifest: dict[str, Any]) -> bytes:
    """The bytes of ``folder/name`` once they match the sha256 the manifest states."""
    entry = manifest["files"].get(name)
    expected = entry.get("sha256") if isinstance(entry, dict) else entry
    if not isinstance(expected, str):
        raise CodeSetIntegrityError(f"{folder}/manifest.json does not list {name}")
    item = folder.joinpath(name)
    if not item.is_file():
        raise CodeSetIntegrityError(f"{folder}/{name} is missing")
    data = item.read_bytes()
    if hashlib.sha256(data).hexdigest() != expected:
        raise CodeSetIntegrityError(
            f"{folder}/{name} does not match the sha256 in its manifest (edited or corrupted); "
            "regenerate it with `cac codesets convert`"
        )
    return data


def read_jsonl(folder: Traversable, name: str, manifest: dict[str, Any]) -> list[dict[str, Any]]:
    """The verified JSON lines of ``folder/name`` (gunzipped when the name ends in ``.gz``)."""
    data = read_verified(folder, name, manifest)
    if name.endswith(".gz"):
        data = gzip.decompress(data)
    return [json.loads(line) for line in data.decode("utf-8").splitlines() if line]
