"""Lookups (normalization, errors), terms and the cache's freshness key."""

from __future__ import annotations

import logging
import marshal
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from codesets.cache import cache_path, fingerprint
from codesets.config import CodeSetConfig
from codesets.errors import CodeSetIntegrityError, MalformedCode, UnknownCode, UnknownCodeSystem
from codesets.model import System
from codesets.normalize import normalize_code, parse_system
from codesets.store import CodeSets, load_codesets


@pytest.mark.parametrize("raw", ["E11.40", "e11.40", "E1140", "e1140", " E11.40 "])
def test_lookup_normalizes_icd10cm(codesets: CodeSets, raw: str) -> None:
    assert codesets.lookup("ICD-10-CM", raw).code == "E11.40"


@pytest.mark.parametrize(
    ("name", "system"),
    [
        ("ICD-10-CM", System.ICD10CM),
        ("icd10cm", System.ICD10CM),
        ("icd-10-cm", System.ICD10CM),
        ("ICD_10_CM", System.ICD10CM),
        ("hcpcs", System.HCPCS),
        ("Cpt", System.CPT),
        (System.CPT, System.CPT),
    ],
)
def test_system_names_are_lenient(name: str, system: System) -> None:
    assert parse_system(name) is system


@pytest.mark.parametrize("name", ["ICD-9-CM", "SNOMED", "", "icd"])
def test_unknown_system(codesets: CodeSets, name: str) -> None:
    with pytest.raises(UnknownCodeSystem):
        codesets.lookup(name, "E11.9")


@pytest.mark.parametrize(
    ("system", "raw"),
    [
        (System.ICD10CM, ""),
        (System.ICD10CM, "E1"),
        (System.ICD10CM, "11.40"),
        (System.ICD10CM, "E1.1"),
        (System.ICD10CM, "E11.40000"),
        (System.ICD10CM, "E11-E13"),
        (System.HCPCS, "J11000"),
        (System.HCPCS, "99213X"),
        (System.CPT, "9921"),
        (System.CPT, "J1100"),
    ],
)
def test_malformed_codes(codesets: CodeSets, system: System, raw: str) -> None:
    with pytest.raises(MalformedCode):
        codesets.lookup(system, raw)


@pytest.mark.parametrize(("system", "raw"), [("ICD-10-CM", "E11.99"), ("ICD-10-CM", "Z99.999")])
def test_unknown_codes(codesets: CodeSets, system: str, raw: str) -> None:
    with pytest.raises(UnknownCode, match="not a code of"):
        codesets.lookup(system, raw)
    assert codesets.find(system, raw) is None


@pytest.mark.parametrize(
    ("system", "raw", "canonical"),
    [
        (System.ICD10CM, "s72001a", "S72.001A"),
        (System.HCPCS, "j1100", "J1100"),
        (System.HCPCS, "lt", "LT"),
        (System.CPT, "0001f", "0001F"),
    ],
)
def test_normalize_code(system: System, raw: str, canonical: str) -> None:
    assert normalize_code(system, raw) == canonical


def test_repeated_lookups_share_one_record(codesets: CodeSets) -> None:
    first = codesets.lookup("ICD-10-CM", "e1140")
    assert codesets.lookup(System.ICD10CM, "E11.40") is first
    assert codesets.lookup("icd10cm", "e1140") is first


def test_hcpcs_codes_and_modifiers(codesets: CodeSets) -> None:
    assert codesets.count("HCPCS") >= 6_500
    code = codesets.lookup("HCPCS", "J1100")
    assert "dexamethasone" in code.description.lower()
    assert codesets.lookup("HCPCS", "LT").description


def test_cpt_sample_codes_are_flagged(codesets: CodeSets) -> None:
    codes = [codesets.lookup("CPT", term.code) for term in codesets.terms("CPT")]
    assert codes
    assert all(code.is_sample for code in codes)


def test_terms_cover_every_source(codesets: CodeSets) -> None:
    sources = {term.source for term in codesets.terms("ICD-10-CM")}
    assert {"tabular", "inclusion", "index", "neoplasm", "drug"} <= sources
    assert {term.source for term in codesets.terms("HCPCS")} == {"hcpcs"}
    index = next(term for term in codesets.terms("ICD-10-CM") if term.source == "index")
    assert index.path


def test_terms_name_loaded_codes(codesets: CodeSets) -> None:
    for position, term in enumerate(codesets.terms("ICD-10-CM")):
        if position % 997 == 0:
            assert codesets.find(term.system, term.code) is not None


def test_fingerprint_follows_user_files(tmp_path: Path) -> None:
    cpt = tmp_path / "cpt.csv"
    cpt.write_text("code,description\n", encoding="utf-8")
    base = fingerprint(CodeSetConfig(cache_dir=tmp_path))
    with_file = fingerprint(CodeSetConfig(cache_dir=tmp_path, cpt_file=cpt))
    cpt.write_text("code,description\n99999,changed\n", encoding="utf-8")
    changed = fingerprint(CodeSetConfig(cache_dir=tmp_path, cpt_file=cpt))
    assert len({base, with_file, changed}) == 3


def test_missing_user_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CodeSetIntegrityError, match="does not exist"):
        fingerprint(CodeSetConfig(cache_dir=tmp_path, hcpcs_file=tmp_path / "absent.txt"))


@pytest.mark.slow
def test_unreadable_cache_is_rebuilt(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    config = CodeSetConfig(cache_dir=tmp_path)
    key = fingerprint(config)
    target = cache_path(config, key)
    target.write_bytes(b"")  # an interrupted write
    older = tmp_path / "codesets-0123456789abcdef0123.marshal"
    older.write_bytes(b"an older build")
    os.utime(older, (0, 0))  # last written long ago: no process can still be reading it
    with caplog.at_level(logging.WARNING, logger="codesets.cache"):
        rebuilt = load_codesets(config)
    assert "unreadable" in caplog.text
    assert rebuilt.lookup("ICD-10-CM", "E11.9").billable
    assert marshal.loads(target.read_bytes())["fingerprint"] == key
    assert not older.exists()


@pytest.mark.slow
def test_fresh_process_loads_everything_fast(codesets: CodeSets) -> None:
    # The session fixture has built the cache; a new process must only read it. The bound is on
    # CPU time: on a machine shared by several engineers wall time also measures the queue.
    script = (
        "import time; started = time.process_time()\n"
        "from codesets.store import load_codesets\n"
        "store = load_codesets()\n"
        "store.lookup('ICD-10-CM', 'E11.9'); store.search('asthma')\n"
        "print(time.process_time() - started)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert float(done.stdout) < 3.0


SHARED_HCPCS = Path("/work/shared/data/hcpcs/HCPC2020_ANWEB_w_disclaimer.txt")


@pytest.mark.slow
@pytest.mark.skipif(not SHARED_HCPCS.is_file(), reason="needs the CMS HCPCS file in /work/shared")
def test_a_later_hcpcs_file_is_a_second_release(tmp_path: Path) -> None:
    # A CMS file named for 2021 stands in for a newer annual release.
    later = tmp_path / "HCPC2021_ANWEB.txt"
    later.write_bytes(SHARED_HCPCS.read_bytes())
    store = load_codesets(CodeSetConfig(cache_dir=tmp_path / "cache", hcpcs_file=later))
    assert [r.version for r in store.versions() if r.system is System.HCPCS] == ["2021", "2020"]
    assert store.lookup("HCPCS", "J1100").version == "2021"
    assert store.lookup("HCPCS", "J1100", date_of_service=date(2020, 6, 1)).version == "2020"
