"""The terminology the mention finder matches: code-set terms keyed on normalized word bags.

Each term (a tabular description, an inclusion term, an Alphabetic Index path, a table entry, a
curated synonym) becomes the sorted tuple of its normalized content words, so "Diabetes, type 2,
with neuropathy" (an index path) and "type 2 diabetes with neuropathy" (a note) share one key.
A note is matched by looking up word windows in one dict, which is far faster than a
``PhraseMatcher`` with a quarter of a million patterns. The compiled index is marshalled in the
code-set cache directory, so it is built once per code-set release: the index of every loaded
code set (``load_default_index``) is keyed on the code-set cache's fingerprint and the rules, so
finding it needs no pass over the quarter of a million terms (that pass and their checksum took
over two seconds of every start-up); an index of given terms is keyed on their checksum.
"""

from __future__ import annotations

import hashlib
import logging
import marshal
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from codesets.errors import CACError
from codesets.model import System, Term
from nlp.normalize import key_words
from nlp.rules import rules_checksum, vocabulary

log = logging.getLogger(__name__)

INDEX_FORMAT = 3
MAX_WORDS = 8  # longer terms are sentences, not names a note repeats verbatim
MAX_ENTRIES_PER_KEY = 40
_PATH_SOURCES = frozenset({"index", "neoplasm", "drug"})
_PARENTHESES = re.compile(r"\([^()]*\)")
_OTHER = re.compile(r"^other\b|\bother (?:specified )?(?!than)", re.IGNORECASE)
_SOURCE_RANK = {"tabular": 0, "inclusion": 1, "lexicon": 2, "index": 3, "neoplasm": 4, "drug": 5}

Key = tuple[str, ...]
Entry = tuple[str, str, str, str, Key]  # system, code, term as written, source, ordered words


@dataclass(frozen=True, slots=True)
class TermIndex:
    """Word-bag keys -> terminology entries, with the vocabulary used to prune windows."""

    table: dict[Key, tuple[int, ...]]
    entries: list[Entry]
    vocabulary: frozenset[str]
    max_words: int
    checksum: str

    def lookup(self, bag: Key) -> tuple[int, ...]:
        """Entry ids whose key is ``bag`` (a sorted tuple of normalized words)."""
        return self.table.get(bag, ())

    def __len__(self) -> int:
        return len(self.table)


def terms_checksum(terms: list[Term]) -> str:
    """A sha256 over every term and the vocabulary rules: the index cache's key."""
    digest = hashlib.sha256(f"{INDEX_FORMAT}|{rules_checksum()}".encode())
    for term in terms:
        digest.update(
            f"{term.system}\t{term.code}\t{term.source}\t{term.text}\t{term.path}\n".encode()
        )
    return digest.hexdigest()


def build_index(terms: Iterable[Term]) -> TermIndex:
    """Compile terms (plus the curated synonyms) into a ``TermIndex``."""
    listed = list(terms)
    checksum = terms_checksum(listed)
    noise = {tuple(key_words(n)) for n in vocabulary().noise_terms}
    buckets: dict[Key, list[Entry]] = {}
    seen: set[tuple[Key, str, str]] = set()
    variants = [
        (tuple(key_words(phrase)), [tuple(key_words(v)) for v in alternatives])
        for phrase, alternatives in vocabulary().phrase_variants.items()
    ]
    for term in listed:
        text = term.path if term.source in _PATH_SOURCES and term.path else term.text
        # parenthesized words are nonessential modifiers (ICD-10-CM conventions, Section I.A.7)
        essential = _PARENTHESES.sub(" ", text)
        for ordered in _spellings(_once(key_words(essential)), variants):
            if not ordered or len(ordered) > MAX_WORDS or ordered in noise:
                continue
            if len(ordered) == 1 and len(ordered[0]) < 3:
                continue
            bag = bag_of(ordered)
            marker = (bag, str(term.system), term.code)
            if marker in seen:
                continue
            seen.add(marker)
            entry = (str(term.system), term.code, text, term.source, ordered)
            buckets.setdefault(bag, []).append(entry)
    _add_synonyms(buckets)
    entries: list[Entry] = []
    table: dict[Key, tuple[int, ...]] = {}
    for bag, found in buckets.items():
        # "Other X" is a residual category, never the default for a bare "X"
        found.sort(key=lambda e: (_OTHER.search(e[2]) is not None, _SOURCE_RANK.get(e[3], 9), e[1]))
        ids = range(len(entries), len(entries) + min(len(found), MAX_ENTRIES_PER_KEY))
        entries.extend(found[:MAX_ENTRIES_PER_KEY])
        table[bag] = tuple(ids)
    words = frozenset(w for bag in table for w in bag)
    longest = max((len(b) for b in table), default=0)
    return TermIndex(table, entries, words, longest, checksum)


def _once(words: list[str]) -> Key:
    # "Hypertension, hypertensive" normalizes to one word twice: keep it once, in order
    return tuple(dict.fromkeys(words))


def bag_of(words: Iterable[str]) -> Key:
    """The lookup key of some words: sorted, each word once."""
    return tuple(sorted(set(words)))


def _spellings(ordered: Key, variants: list[tuple[Key, list[Key]]]) -> list[Key]:
    # the term's own words plus one respelling per phrase variant it contains
    found = [ordered]
    for phrase, alternatives in variants:
        n = len(phrase)
        for i in range(len(ordered) - n + 1):
            if ordered[i : i + n] == phrase:
                found.extend(ordered[:i] + alt + ordered[i + n :] for alt in alternatives)
                break
    return found


def _add_synonyms(buckets: dict[Key, list[Entry]]) -> None:
    # a lay phrase names whatever its canonical term names ("heart attack" -> "myocardial
    # infarction"); canonical terms missing from the code sets add nothing
    for canonical, phrases in vocabulary().synonyms.items():
        target = buckets.get(bag_of(key_words(canonical)))
        if not target:
            continue
        for phrase in phrases:
            ordered = tuple(key_words(phrase))
            if not ordered:
                continue
            bag = bag_of(ordered)
            known = {(e[0], e[1]) for e in buckets.get(bag, [])}
            extra = [
                (s, c, phrase, "lexicon", ordered) for s, c, _t, _src, _o in target
                if (s, c) not in known
            ][:MAX_ENTRIES_PER_KEY]  # fmt: skip
            buckets.setdefault(bag, []).extend(extra)


def load_index(terms: Iterable[Term], cache_dir: Path | None) -> TermIndex:
    """The index for ``terms``: read from ``cache_dir`` when built before, else built and cached."""
    listed = list(terms)
    if cache_dir is None:
        return build_index(listed)
    return _cached(cache_dir, terms_checksum(listed), lambda: build_index(listed))


def load_default_index(cache_dir: Path | None) -> TermIndex:
    """The index of every loaded code set's terms (``default_terms``), read without them."""
    key = _codesets_key()
    if key is None or cache_dir is None:
        return load_index(default_terms(), cache_dir)
    return _cached(cache_dir, key, lambda: build_index(default_terms()))


def _codesets_key() -> str | None:
    # the code-set cache's fingerprint names every term it holds; the rules change the index too
    try:
        from codesets.cache import fingerprint
        from codesets.config import get_config

        found = fingerprint(get_config())
    except (CACError, ImportError, OSError) as error:
        log.warning("code-set fingerprint unavailable (%s)", type(error).__name__)
        return None
    return hashlib.sha256(f"{INDEX_FORMAT}|{rules_checksum()}|{found}".encode()).hexdigest()


def _cached(cache_dir: Path, key: str, build: Callable[[], TermIndex]) -> TermIndex:
    path = cache_dir / f"nlp-terms-{key[:24]}.marshal"
    if path.is_file():
        try:
            stored = marshal.loads(path.read_bytes())
            if isinstance(stored, tuple) and len(stored) == 6 and stored[0] == key:
                return TermIndex(*stored[1:])
        except (OSError, ValueError, EOFError, TypeError):
            log.warning("terminology cache unreadable; rebuilding")
    started = time.perf_counter()
    index = build()
    fields = (index.table, index.entries, index.vocabulary, index.max_words, index.checksum)
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".tmp")
        partial.write_bytes(marshal.dumps((key, *fields)))
        partial.replace(path)
        # an index of older terms or rules is never read again: keep one, not one per release
        for stale in cache_dir.glob("nlp-terms-*"):
            if stale != path and stale.suffix != ".tmp":
                stale.unlink(missing_ok=True)
    except OSError:
        log.warning("terminology cache not writable; continuing without it")
    log.info("built terminology: %d keys in %.1f s", len(index), time.perf_counter() - started)
    return index


def default_terms() -> list[Term]:
    """Terms of every loaded code set; the ICD-10-CM tabular package when the cache is missing."""
    try:
        from codesets.store import get_codesets

        codesets = get_codesets()
        found: list[Term] = []
        for system in System:
            try:
                found.extend(codesets.terms(system))
            except CACError:
                continue  # a system without a loaded release (CPT needs a licensed file)
        if found:
            return found
    except (CACError, ImportError, OSError, ValueError, KeyError) as error:
        log.warning(
            "code-set store unavailable (%s); using the packaged tabular", type(error).__name__
        )
    return tabular_terms()


def tabular_terms() -> list[Term]:
    """ICD-10-CM descriptions and inclusion terms from the ``simple_icd_10_cm`` package."""
    import simple_icd_10_cm as icd

    terms: list[Term] = []
    for code in icd.get_all_codes(with_dots=True):
        if not icd.is_category_or_subcategory(code) and not icd.is_extended_subcategory(code):
            continue
        terms.append(Term(icd.get_description(code), System.ICD10CM, code, "tabular"))
        for inclusion in icd.get_inclusion_term(code):
            terms.append(Term(inclusion, System.ICD10CM, code, "inclusion"))
    return terms


def cache_directory() -> Path | None:
    """The code-set cache directory (from ``codesets.config``), or ``var/cache`` beside the code."""
    try:
        from codesets.config import get_config

        return get_config().cache_dir / "nlp"
    except ImportError:
        return Path(__file__).resolve().parent.parent / "var" / "cache" / "nlp"
