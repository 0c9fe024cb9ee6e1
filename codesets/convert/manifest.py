"""Deterministic writing of converted data and of the ``manifest.json`` that vouches for it.

Every output is byte-identical on a rerun with the same sources: JSON keys are sorted, separators
fixed, rows kept in source order, and gzip members carry no file name and a zero timestamp.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from codesets.convert import CONVERTER_VERSION


def sha256_bytes(data: bytes) -> str:
    """The hex sha256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    """The hex sha256 of the file at ``path``."""
    return sha256_bytes(path.read_bytes())


def json_line(row: Mapping[str, Any]) -> str:
    """``row`` as one compact JSON line with sorted keys (no trailing newline)."""
    return json.dumps(row, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def jsonl_bytes(rows: Iterable[Mapping[str, Any]], *, compress: bool) -> bytes:
    """The rows as UTF-8 JSON lines, gzipped with a fixed header when ``compress``."""
    text = "".join(json_line(row) + "\n" for row in rows).encode("utf-8")
    if not compress:
        return text
    buffer = io.BytesIO()
    # filename="" and mtime=0 keep the gzip header free of anything that changes between runs.
    with gzip.GzipFile(filename="", mode="wb", compresslevel=9, fileobj=buffer, mtime=0) as out:
        out.write(text)
    return buffer.getvalue()


def write_jsonl(
    folder: Path, name: str, rows: Iterable[Mapping[str, Any]]
) -> tuple[str, dict[str, Any]]:
    """Write ``rows`` to ``folder/name`` (gzipped when it ends in ``.gz``); its manifest entry."""
    listed = list(rows)
    data = jsonl_bytes(listed, compress=name.endswith(".gz"))
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)
    return name, {"sha256": sha256_bytes(data), "bytes": len(data), "rows": len(listed)}


def source_entry(path: Path) -> dict[str, Any]:
    """A source file's manifest entry: its name, size and sha256."""
    data = path.read_bytes()
    return {"name": path.name, "bytes": len(data), "sha256": sha256_bytes(data)}


def write_manifest(folder: Path, manifest: Mapping[str, Any]) -> Path:
    """Write ``manifest.json`` (sorted keys, two-space indent) with the converter's version."""
    content = {**manifest, "converter_version": CONVERTER_VERSION}
    target = folder / "manifest.json"
    target.write_text(
        json.dumps(content, ensure_ascii=False, sort_keys=True, indent=2) + "\n", encoding="utf-8"
    )
    return target
