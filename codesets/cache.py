"""The compact code-set cache: every release, term and search index, built once, loaded fast.

Building reads the sources (the ``simple_icd_10_cm`` tabular takes ~4 s to parse; the index,
tables, HCPCS and CPT files a few more) and flattens them into plain tuples, lists and byte
buffers, written with ``marshal``. ``marshal`` is the fastest loader for plain containers in
CPython, shares repeated objects (inherited note tuples are stored once), and unlike ``pickle``
cannot run code while loading; its format is CPython-version specific, so the version is part of
the key. The numeric arrays of the search index are raw bytes that ``numpy.frombuffer`` maps
without copying.

The file name carries a sha256 fingerprint of everything the cache is built from: the package
version, the shipped data manifests, the optional user files (``CAC_CPT_FILE``,
``CAC_HCPCS_FILE``) and the source of the modules that build it. A missing or stale cache is
rebuilt on first load, with a log line.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import marshal
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import date
from importlib import resources
from importlib.abc import Traversable
from importlib.metadata import version
from pathlib import Path
from typing import Any

from codesets.codetable import Pool, encode_table
from codesets.config import CodeSetConfig
from codesets.errors import CodeSetIntegrityError, MalformedCode
from codesets.model import Code, CodeSetRelease, System, Term

log = logging.getLogger(__name__)

CACHE_FORMAT = 2
_KEEP_SECONDS = 3600  # caches of other sources younger than this are left in place
SYSTEMS: tuple[System, ...] = tuple(System)
SOURCES: tuple[str, ...] = (
    "tabular",
    "inclusion",
    "index",
    "neoplasm",
    "drug",
    "eindex",
    "hcpcs",
    "cpt",
    "lexicon",
)
# Modules whose code shapes the cache: editing one of them invalidates it.
_BUILDERS = (
    "cache.py",
    "codetable.py",
    "search.py",
    "icd10cm/tabular.py",
    "icd10cm/index.py",
    "hcpcs.py",
    "cpt.py",
    "datafiles.py",
    "convert/hcpcs_file.py",
)


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _walk(node: Traversable, prefix: str) -> Iterator[tuple[str, Traversable]]:
    for child in sorted(node.iterdir(), key=lambda item: item.name):
        name = f"{prefix}/{child.name}" if prefix else child.name
        if child.is_dir():
            yield from _walk(child, name)
        else:
            yield name, child


def manifests() -> list[tuple[str, Traversable]]:
    """Every ``manifest.json`` shipped under ``codesets/data``, by relative path."""
    data = resources.files("codesets").joinpath("data")
    if not data.is_dir():
        return []
    return [(name, item) for name, item in _walk(data, "data") if item.name == "manifest.json"]


def user_files(config: CodeSetConfig) -> list[Path]:
    """The optional licensed or newer source files named in the settings; they must exist."""
    found: list[Path] = []
    for label, path in (("CPT", config.cpt_file), ("HCPCS", config.hcpcs_file)):
        if path is None:
            continue
        if not path.is_file():
            raise CodeSetIntegrityError(f"the configured {label} file {path} does not exist")
        found.append(path)
    return found


def fingerprint(config: CodeSetConfig) -> str:
    """The sha256 of everything the cache is built from."""
    digest = hashlib.sha256()
    python = f"{sys.implementation.name}-{sys.version_info.major}.{sys.version_info.minor}"
    digest.update(
        f"{CACHE_FORMAT}|{python}|simple-icd-10-cm {version('simple-icd-10-cm')}".encode()
    )
    package = resources.files("codesets")
    for name in _BUILDERS:
        source = package.joinpath(name)
        if source.is_file():
            digest.update(name.encode() + b"\0" + source.read_bytes())
    for name, manifest in manifests():
        digest.update(name.encode() + b"\0" + manifest.read_bytes())
    for path in user_files(config):
        digest.update(str(path).encode() + b"\0" + _sha256_file(path).encode())
    return digest.hexdigest()


def release_row(release: CodeSetRelease) -> tuple[Any, ...]:
    """``release`` as a marshal-able tuple."""
    return (
        release.system.value,
        release.version,
        release.effective_from.isoformat(),
        release.effective_to.isoformat(),
        release.source,
        release.license,
        release.is_sample,
    )


def release_from_row(row: tuple[Any, ...]) -> CodeSetRelease:
    """The release a ``release_row`` tuple holds."""
    system, name, start, end, source, licence, is_sample = row
    return CodeSetRelease(
        System(system), name, date.fromisoformat(start), date.fromisoformat(end), source, licence,
        is_sample,
    )  # fmt: skip


def _collect(config: CodeSetConfig) -> tuple[list[tuple[CodeSetRelease, list[Code]]], list[Term]]:
    """Every release with its codes, and the extra terms (index, tables) of the newest ones."""
    # Imported here: these loaders read source files and are needed only to build.
    from codesets.cpt import load_cpt
    from codesets.hcpcs import load_hcpcs
    from codesets.icd10cm.index import (
        load_drug_terms,
        load_external_cause_terms,
        load_index_terms,
        load_neoplasm_terms,
    )
    from codesets.icd10cm.tabular import load_tabular

    loaded: list[tuple[CodeSetRelease, list[Code]]] = [load_tabular()]
    hcpcs = load_hcpcs()
    loaded.append((hcpcs.release, [*hcpcs.codes, *hcpcs.modifiers]))
    if config.hcpcs_file is not None:
        later = load_hcpcs(config.hcpcs_file)
        if later.release.version == hcpcs.release.version:  # the same year: the user's file wins
            loaded.pop()
        loaded.append((later.release, [*later.codes, *later.modifiers]))
    cpt = load_cpt(config.cpt_file)
    loaded.append((cpt.release, list(cpt.codes)))
    extra = [
        *load_index_terms(),
        *load_neoplasm_terms(),
        *load_drug_terms(),
        *load_external_cause_terms(),
    ]
    return loaded, extra


def _own_terms(code: Code) -> Iterator[tuple[str, str | None, str]]:
    """A code's own names: its description(s) and inclusion terms, as (text, path, source)."""
    source = "tabular" if code.system is System.ICD10CM else code.system.value.lower()
    yield code.description, None, source
    if code.short_description and code.short_description != code.description:
        yield code.short_description, None, source
    for inclusion in code.inclusion_terms:
        yield inclusion, None, "inclusion"


def build_payload(config: CodeSetConfig, key: str) -> dict[str, Any]:
    """Load every source and flatten it into the cache's plain containers."""
    import numpy as np

    from codesets.normalize import normalize_code
    from codesets.search import SearchIndex

    loaded, extra = _collect(config)
    newest: dict[System, int] = {}
    for position, (release, _) in enumerate(loaded):
        held = newest.get(release.system)
        if held is None or release.effective_from > loaded[held][0].effective_from:
            newest[release.system] = position
    code_release: list[int] = []
    code_names: list[str] = []
    code_billable: list[bool] = []
    code_ids: dict[tuple[System, str], int] = {}
    for position in sorted(newest.values()):
        for code in loaded[position][1]:
            code_ids[(code.system, code.code)] = len(code_names)
            code_release.append(position)
            code_names.append(code.code)
            code_billable.append(code.billable)
    term_text: list[str] = []
    term_path: list[str | None] = []
    term_source: list[int] = []
    term_code: list[int] = []

    def add(text: str, path: str | None, source: str, code_id: int) -> None:
        term_text.append(text)
        term_path.append(path)
        term_source.append(SOURCES.index(source))
        term_code.append(code_id)

    for position in sorted(newest.values()):
        for code in loaded[position][1]:
            for text, path, source in _own_terms(code):
                add(text, path, source, code_ids[(code.system, code.code)])
    dropped = 0
    for term in extra:
        try:
            code_id = code_ids.get((term.system, normalize_code(term.system, term.code)))
        except MalformedCode:
            code_id = None
        if code_id is None:
            dropped += 1
            continue
        add(term.text, term.path, term.source, code_id)
    if dropped:
        log.warning("code-set cache: %d index/table terms name codes not in the tabular", dropped)
    pool = Pool()
    tables = [encode_table(codes, pool) for _, codes in loaded]
    system_list = [SYSTEMS.index(loaded[code_release[i]][0].system) for i in range(len(code_names))]
    texts = [path or text for text, path in zip(term_text, term_path, strict=True)]
    return {
        "format": CACHE_FORMAT,
        "fingerprint": key,
        "releases": [release_row(release) for release, _ in loaded],
        "tables": tables,
        "pool": pool.items,
        "code_release": np.array(code_release, dtype=np.int32).tobytes(),
        "code_names": code_names,
        "term_text": term_text,
        "term_path": term_path,
        "term_source": np.array(term_source, dtype=np.int8).tobytes(),
        "term_code": np.array(term_code, dtype=np.int32).tobytes(),
        "search": SearchIndex.build(texts, term_code, system_list, code_billable, code_names),
    }


def cache_path(config: CodeSetConfig, key: str) -> Path:
    """Where the cache for fingerprint ``key`` lives."""
    return config.cache_dir / f"codesets-{key[:20]}.marshal"


def write_cache(config: CodeSetConfig, payload: dict[str, Any]) -> Path:
    """Write ``payload`` atomically (readers never see half a file) and drop stale caches."""
    target = cache_path(config, payload["fingerprint"])
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".codesets-", suffix=".tmp")
    with os.fdopen(handle, "wb") as out:
        marshal.dump(payload, out)
    Path(temporary).chmod(0o644)  # mkstemp creates 0600; other users of the checkout read it
    Path(temporary).replace(target)
    # Drop caches of other sources, but only old ones: a process started before a source changed
    # may still be reading (or building) the previous cache.
    cutoff = time.time() - _KEEP_SECONDS
    for old in target.parent.glob("codesets-*.marshal"):
        if old != target and old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)
    return target


def build_cache(config: CodeSetConfig) -> tuple[Path, dict[str, Any]]:
    """Build the cache from the sources and write it; returns its path and payload."""
    started = time.perf_counter()
    payload = build_payload(config, fingerprint(config))
    target = write_cache(config, payload)
    log.info(
        "code-set cache built: %s (%d terms, %.1f s)",
        target.name,
        len(payload["term_text"]),
        time.perf_counter() - started,
    )
    return target, payload


def _read(target: Path, key: str) -> tuple[dict[str, Any] | None, str]:
    """The payload at ``target`` if it is the one for ``key``, else why not."""
    try:
        payload = marshal.loads(target.read_bytes())
    except FileNotFoundError:
        return None, "missing"
    except (EOFError, ValueError, TypeError):
        return None, "unreadable"
    if isinstance(payload, dict) and payload.get("fingerprint") == key:
        return payload, "current"
    return None, "stale"


def load_payload(config: CodeSetConfig) -> dict[str, Any]:
    """The cached payload for the current sources, rebuilt first when missing or stale."""
    key = fingerprint(config)
    target = cache_path(config, key)
    payload, state = _read(target, key)
    if payload is not None:
        return payload
    target.parent.mkdir(parents=True, exist_ok=True)
    # One builder at a time: processes started together (test workers, service replicas) wait
    # for the first build instead of each spending ~20 s on their own.
    with (target.parent / ".build.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        payload, _ = _read(target, key)
        if payload is not None:
            return payload
        log.warning("code-set cache %s is %s; building it (takes ~20 s)", target, state)
        return build_cache(config)[1]


def verify_manifests() -> list[tuple[str, str, bool]]:
    """Check every file a shipped manifest lists against its sha256: (manifest, file, ok)."""
    results: list[tuple[str, str, bool]] = []
    package = resources.files("codesets")
    for name, manifest in manifests():
        folder = name.rsplit("/", 1)[0]
        listed = json.loads(manifest.read_text(encoding="utf-8")).get("files", {})
        for relative, entry in listed.items():
            expected = entry.get("sha256") if isinstance(entry, dict) else entry
            path = Path(str(package.joinpath(f"{folder}/{relative}")))
            results.append((name, relative, path.is_file() and _sha256_file(path) == expected))
    return results
