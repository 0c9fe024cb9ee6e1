"""Code search: an inverted token index over every term, reranked with rapidfuzz.

Each searchable entry is one distinct (normalized text, code) pair: a tabular description, an
inclusion term, an Alphabetic Index path, a Table of Neoplasms or Drugs row, or an HCPCS/CPT
description. A query is tokenized the same way (case, punctuation, plurals, stop words),
abbreviations and lay terms are rewritten with ``synonyms.json``, and a token the vocabulary does
not know is matched to its nearest vocabulary tokens (misspellings). Candidates come only from the
posting lists of the query's tokens; each is scored by how much of the query it covers and how
much of itself the query covers (tokens weighted by IDF), and the best few hundred are reranked
with rapidfuzz's token-sort ratio. A query therefore touches a few posting lists and a few hundred
strings, never the whole term list.

The code picker searches as the coder types, so the query's last word may be unfinished: it also
stands for every vocabulary word it begins ("diab" for "diabetes", "diabetic"), as does an earlier
word that is neither known nor a misspelling. A query shaped like a code or the start of one
("E78", "e11.4", "J45.90", "9921") lists the codes it begins, from a sorted table of undotted
codes: the code itself, then its billable descendants, then the others. Among words, a billable
code matched by as much of the query as its non-billable ancestor ranks above that ancestor.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process

from codesets.synonyms import load_synonyms

_TOKEN = re.compile(r"[a-z0-9]+")
_POSSESSIVE = re.compile(r"['’]s\b")
# Function words that carry no meaning for a code; "with", "without" and "not" do, and stay.
_STOPWORDS = frozenset(
    {"a", "an", "the", "of", "and", "or", "in", "on", "to", "for", "by", "at", "as", "from",
     "is", "are", "was", "were", "be", "been", "nos", "nec", "patient", "pt", "has", "have", "had"}
)  # fmt: skip
_RERANK = 300  # entries rescored with rapidfuzz per query
_NON_BILLABLE = 0.97  # a non-billable code ranks below an equally good billable one
# Procedure and supply codes rank below an equally good diagnosis: a phrase such as "obstructive
# sleep apnea" names a diagnosis first, and a quality-reporting HCPCS code second.
_PROCEDURE = 0.97
_DIAGNOSIS = 0  # position of ICD-10-CM in ``codesets.cache.SYSTEMS``
_FUZZY_CUTOFF = 80.0  # rapidfuzz ratio for a misspelt token to stand for a vocabulary token
_MIN_PREFIX = 3  # a shorter unfinished word stands only for itself
_COMPLETIONS = 64  # the commonest vocabulary words an unfinished word may stand for
_COMPLETION = 0.9  # a completion's similarity when the word itself is also a vocabulary word
# A code or the start of one, after upper-casing: ICD-10-CM with or without its dot ("E11.4",
# "E114", "E11."), HCPCS ("J11"), CPT ("9921", "0001F").
_CODE_QUERY = re.compile(r"[A-Z][0-9](?:[0-9A-Z](?:\.?[0-9A-Z]{0,4})?)?|[0-9]{3,4}[0-9FTU]?")
_EXACT_CODE = 1.0  # scores of code hits: the code typed, its billable and other descendants
_BILLABLE_DESCENDANT = 0.9
_OTHER_DESCENDANT = 0.8
_SAME = 1e-6  # coverages closer than this are equal


def singular(token: str) -> str:
    """A crude singular form, applied alike to terms and queries ("fractures" -> "fracture")."""
    if len(token) <= 3 or not token.endswith("s") or token.endswith(("ss", "us", "is", "ys")):
        return token
    if token.endswith("ies"):
        return token[:-3] + "y"
    if token.endswith("sses"):
        return token[:-2]
    return token[:-1]


def words(text: str) -> list[tuple[str, str]]:
    """(surface, token) pairs of ``text``: lower-case words and their singular, no stop words."""
    found = _TOKEN.findall(_POSSESSIVE.sub("", text.lower()))
    return [(word, singular(word)) for word in found if word not in _STOPWORDS]


def tokens(text: str) -> list[str]:
    """Lower-case word tokens of ``text``, singular, without stop words."""
    return [token for _, token in words(text)]


class Rewriter:
    """Replaces abbreviation and lay-term phrases in a token list by the code sets' wording."""

    def __init__(self, pairs: Iterable[tuple[str, str]]) -> None:
        self._by_first: dict[str, list[tuple[tuple[str, ...], tuple[str, ...]]]] = {}
        for phrase, means in pairs:
            key = tuple(tokens(phrase))
            if key:
                self._by_first.setdefault(key[0], []).append((key, tuple(tokens(means))))
        for options in self._by_first.values():
            options.sort(key=lambda option: len(option[0]), reverse=True)

    def apply(self, words: Sequence[str]) -> list[str]:
        """``words`` with each known phrase (longest first) replaced by what it means."""
        out: list[str] = []
        i = 0
        while i < len(words):
            for phrase, means in self._by_first.get(words[i], ()):
                if tuple(words[i : i + len(phrase)]) == phrase:
                    out.extend(means)
                    i += len(phrase)
                    break
            else:
                out.append(words[i])
                i += 1
        return out


@lru_cache(maxsize=1)
def default_rewriter() -> Rewriter:
    """The rewriter built from the shipped ``synonyms.json``."""
    return Rewriter((entry.phrase, entry.means) for entry in load_synonyms())


def _related(first: str, second: str) -> bool:
    """Two forms of one word, as index main terms list them ("Diabetes, diabetic")."""
    if first[:6] != second[:6]:
        return False
    shared = 6
    while shared < min(len(first), len(second)) and first[shared] == second[shared]:
        shared += 1
    return shared >= 0.65 * min(len(first), len(second))


def _weight(ids: Sequence[int], names: Sequence[str], idf: npt.NDArray[np.float32]) -> float:
    """An entry's total token weight, counting each family of word forms once.

    The Alphabetic Index names a main term with its variants ("Hypertension, hypertensive",
    "Calculus, calculi, calculous"); counting every variant would make such a term look only
    half matched by "hypertension".
    """
    families: list[list[int]] = []
    for token_id in ids:
        for family in families:
            if any(_related(names[token_id], names[other]) for other in family):
                family.append(token_id)
                break
        else:
            families.append([token_id])
    return sum(max(float(idf[token_id]) for token_id in family) for family in families)


def code_key_of(code: str) -> str:
    """The form codes are matched in: upper case, no dot ("e11.4" -> "E114")."""
    return code.strip().upper().replace(".", "")


@dataclass(frozen=True, slots=True)
class RawHit:
    """A ranked code before it is turned into a ``SearchHit``: ids into the store's tables."""

    code_id: int
    term_id: int
    score: float


class SearchIndex:
    """The inverted index over searchable entries and the query scorer."""

    def __init__(self, payload: dict[str, Any], rewriter: Rewriter | None = None) -> None:
        self._vocab: list[str] = payload["vocab"]
        self._surface: list[str] = payload["surface"]
        self._token_id = {token: i for i, token in enumerate(self._vocab)}
        self._offsets = np.frombuffer(payload["offsets"], dtype=np.int64)
        self._postings = np.frombuffer(payload["postings"], dtype=np.int32)
        self._idf = np.frombuffer(payload["idf"], dtype=np.float32)
        self._entry_term = np.frombuffer(payload["entry_term"], dtype=np.int32)
        self._entry_code = np.frombuffer(payload["entry_code"], dtype=np.int32)
        self._entry_weight = np.frombuffer(payload["entry_weight"], dtype=np.float32)
        self._entry_system = np.frombuffer(payload["entry_system"], dtype=np.int8)
        self._entry_billable = np.frombuffer(payload["entry_billable"], dtype=np.bool_)
        self._entry_norm: list[str] = payload["entry_norm"]
        self._prefix_tokens: list[str] = payload["prefix_tokens"]
        self._prefix_ids = np.frombuffer(payload["prefix_ids"], dtype=np.int32)
        self._code_key: list[str] = payload["code_key"]
        self._code_sorted: list[str] = payload["code_sorted"]
        self._code_order = np.frombuffer(payload["code_order"], dtype=np.int32)
        self._code_system = np.frombuffer(payload["code_system"], dtype=np.int8)
        self._code_billable = np.frombuffer(payload["code_billable"], dtype=np.bool_)
        self._code_term = np.frombuffer(payload["code_term"], dtype=np.int32)
        self._rewriter = rewriter or default_rewriter()
        self._alternatives = lru_cache(maxsize=4096)(self._find_alternatives)
        self._completions = lru_cache(maxsize=4096)(self._find_completions)

    @staticmethod
    def build(
        texts: Sequence[str],
        term_codes: Sequence[int],
        code_system: Sequence[int],
        code_billable: Sequence[bool],
        code_names: Sequence[str],
    ) -> dict[str, Any]:
        """The marshal-able payload indexing ``texts`` (one per term, ids = positions) and the
        codes named ``code_names`` (ids = positions, as ``term_codes`` counts them)."""
        seen: set[tuple[str, int]] = set()
        vocab: dict[str, int] = {}
        surface: dict[str, str] = {}
        entry_tokens: list[list[int]] = []
        entry_term: list[int] = []
        entry_norm: list[str] = []
        for term_id, text in enumerate(texts):
            pairs = words(text)
            unique = list(dict.fromkeys(token for _, token in pairs))
            norm = " ".join(unique)
            key = (norm, term_codes[term_id])
            if not unique or key in seen:
                continue
            seen.add(key)
            for word, token in pairs:
                surface.setdefault(token, word)
            entry_tokens.append([vocab.setdefault(token, len(vocab)) for token in unique])
            entry_term.append(term_id)
            entry_norm.append(norm)
        lists: list[list[int]] = [[] for _ in vocab]
        for entry_id, ids in enumerate(entry_tokens):
            for token_id in ids:
                lists[token_id].append(entry_id)
        n = len(entry_tokens)
        idf = np.array([math.log(1.0 + n / len(ids)) for ids in lists], dtype=np.float32)
        names = list(vocab)
        weight = np.array([_weight(ids, names, idf) for ids in entry_tokens], dtype=np.float32)
        offsets = np.zeros(len(lists) + 1, dtype=np.int64)
        offsets[1:] = np.cumsum([len(ids) for ids in lists])
        codes = np.array([term_codes[t] for t in entry_term], dtype=np.int32)
        prefix_tokens = sorted(vocab)
        code_key = [code_key_of(name) for name in code_names]
        code_order = sorted(range(len(code_key)), key=lambda code_id: (code_key[code_id], code_id))
        code_term = np.full(len(code_names), -1, dtype=np.int32)
        for term_id in range(len(term_codes) - 1, -1, -1):  # each code's first term: its title
            code_term[term_codes[term_id]] = term_id
        return {
            "vocab": list(vocab),
            "surface": [surface[token] for token in vocab],
            "offsets": offsets.tobytes(),
            "postings": np.fromiter(
                (entry for ids in lists for entry in ids), dtype=np.int32, count=int(offsets[-1])
            ).tobytes(),
            "idf": idf.tobytes(),
            "entry_term": np.array(entry_term, dtype=np.int32).tobytes(),
            "entry_code": codes.tobytes(),
            "entry_weight": weight.tobytes(),
            "entry_system": np.array(code_system, dtype=np.int8)[codes].tobytes(),
            "entry_billable": np.array(code_billable, dtype=np.bool_)[codes].tobytes(),
            "entry_norm": entry_norm,
            "prefix_tokens": prefix_tokens,
            "prefix_ids": np.array([vocab[t] for t in prefix_tokens], dtype=np.int32).tobytes(),
            "code_key": code_key,
            "code_sorted": [code_key[code_id] for code_id in code_order],
            "code_order": np.array(code_order, dtype=np.int32).tobytes(),
            "code_system": np.array(code_system, dtype=np.int8).tobytes(),
            "code_billable": np.array(code_billable, dtype=np.bool_).tobytes(),
            "code_term": code_term.tobytes(),
        }

    @property
    def size(self) -> int:
        """The number of searchable entries."""
        return len(self._entry_norm)

    def _find_alternatives(self, token: str, word: str) -> tuple[tuple[int, float], ...]:
        """Vocabulary tokens standing for ``token``: itself, else the nearest spellings of ``word``.

        A misspelling is compared with the words as written in the terms ("diabetis" with
        "diabetes", not with its crude singular "diabete"); only the spellings tied for best are
        kept, so a rarer near neighbour ("pneumonic" for "neumonia") cannot outweigh the right one.
        """
        exact = self._token_id.get(token)
        if exact is not None:
            return ((exact, 1.0),)
        if len(word) < 4 or word.isdigit():
            return ()
        found = process.extract(
            word, self._surface, scorer=fuzz.ratio, score_cutoff=_FUZZY_CUTOFF, limit=5
        )
        if not found:
            return ()
        best = found[0][1]
        return tuple(
            (int(index), float(score) / 100.0) for _, score, index in found if score >= best - 1.0
        )

    def _find_completions(self, token: str, word: str) -> tuple[tuple[int, float], ...]:
        """Vocabulary tokens an unfinished word may stand for: itself, and the commonest words it
        begins ("diab" -> "diabete", "diabetic"), each with its similarity to what was typed."""
        exact = self._token_id.get(token)
        found: dict[int, float] = {} if exact is None else {exact: 1.0}
        if len(token) >= _MIN_PREFIX:
            start = bisect_left(self._prefix_tokens, token)
            stop = bisect_left(self._prefix_tokens, token + "{", lo=start)  # "{" follows "z"
            ids = self._prefix_ids[start:stop]
            if len(ids) > _COMPLETIONS:
                ids = ids[np.argsort(self._idf[ids], kind="stable")[:_COMPLETIONS]]
            for token_id in ids.tolist():
                if token_id != exact:
                    typed = len(token) / len(self._vocab[token_id])
                    found[token_id] = _COMPLETION if exact is not None else 0.85 + 0.15 * typed
        if exact is None:  # the word may also be finished but misspelt
            for token_id, similarity in self._alternatives(token, word):
                found[token_id] = max(found.get(token_id, 0.0), similarity)
        return tuple(found.items())

    def _commonest(self, alternatives: Sequence[tuple[int, float]]) -> float:
        """The lowest IDF of the vocabulary tokens ``alternatives`` name (infinite for none)."""
        return min((float(self._idf[token_id]) for token_id, _ in alternatives), default=math.inf)

    def _postings_of(self, token_id: int) -> npt.NDArray[np.int32]:
        return self._postings[self._offsets[token_id] : self._offsets[token_id + 1]]

    def query(
        self, text: str, *, systems: Sequence[int] | None, billable_only: bool, limit: int
    ) -> list[RawHit]:
        """The ``limit`` best codes for ``text``, best first, one hit per code.

        A query shaped like a code lists the codes it begins when there are any; otherwise (and
        for every other query) the words are searched, the last one as possibly unfinished.
        """
        key = code_key_of(text)
        if _CODE_QUERY.fullmatch(key):
            if "." in text:  # only ICD-10-CM codes have a dot
                systems = [s for s in systems or [_DIAGNOSIS] if s == _DIAGNOSIS]
            found = self._code_hits(key, systems=systems, billable_only=billable_only, limit=limit)
            if found:
                return found
        pairs = words(text)
        written = {token: word for word, token in pairs}
        # The last word is unfinished unless the coder typed a space or a stop after it.
        unfinished = pairs[-1][1] if pairs and text[-1:].isalnum() else None
        query = list(dict.fromkeys(self._rewriter.apply([token for _, token in pairs])))
        n = len(self._entry_norm)
        matched = np.zeros(n, dtype=np.float32)
        scratch: npt.NDArray[np.float32] | None = None  # one token's best gain per entry
        total = 0.0
        for token in query:
            word = written.get(token, token)
            alternatives = self._completions(token, word)
            if token != unfinished:
                # A finished word stands for the words it begins only when it is not a word of
                # the terms, or a rarer one than they are ("diab", "neuro"), never "with" for
                # "without".
                own = self._alternatives(token, word)
                if own and self._commonest(own) <= self._commonest(alternatives):
                    alternatives = own
            if not alternatives:
                continue
            # Every spelling tied for best gains the weight of the commonest (lowest IDF) one.
            weight = self._commonest(alternatives)
            total += weight
            if len(alternatives) == 1:
                token_id, similarity = alternatives[0]
                matched[self._postings_of(token_id)] += np.float32(similarity * weight)
                continue
            # An entry holding several alternatives gains only the best one's: written in
            # ascending order, the last (largest) gain stays; touched entries are added once.
            if scratch is None:
                scratch = np.zeros(n, dtype=np.float32)
            touched = []
            for token_id, similarity in sorted(alternatives, key=lambda item: item[1]):
                ids = self._postings_of(token_id)
                scratch[ids] = np.float32(similarity * weight)
                touched.append(ids)
            ids = np.concatenate(touched)
            matched[ids] += scratch[ids]
            scratch[ids] = 0.0
        if total == 0.0:
            return []
        coverage = matched / np.float32(total)
        precision = np.minimum(matched / self._entry_weight, 1.0)
        score = coverage * np.sqrt(precision)
        if systems is not None:
            score[~np.isin(self._entry_system, np.asarray(systems, dtype=np.int8))] = 0.0
        if billable_only:
            score[~self._entry_billable] = 0.0
        return self._rank(" ".join(query), score, coverage, limit)

    def _code_hits(
        self, key: str, *, systems: Sequence[int] | None, billable_only: bool, limit: int
    ) -> list[RawHit]:
        """The first ``limit`` codes beginning with ``key`` (undotted): the code itself, then its
        billable descendants, then the rest; in each group diagnoses first, in code order."""
        start = bisect_left(self._code_sorted, key)
        exact = bisect_right(self._code_sorted, key, lo=start)
        stop = bisect_left(self._code_sorted, key + "~", lo=exact)  # "~" follows "Z" and "9"
        ids = self._code_order[start:stop]
        # the code typed sorts before its descendants: tier 0, then billable 1, the rest 2
        tier = np.where(self._code_billable[ids], 1, 2)
        tier[: exact - start] = 0
        kept = self._code_term[ids] >= 0
        if systems is not None:
            kept &= np.isin(self._code_system[ids], np.asarray(systems, dtype=np.int8))
        if billable_only:
            kept &= self._code_billable[ids]
        ids, tier = ids[kept], tier[kept]
        order = np.lexsort((self._code_system[ids], tier))[:limit]  # stable: code order kept
        scores = (_EXACT_CODE, _BILLABLE_DESCENDANT, _OTHER_DESCENDANT)
        return [
            RawHit(code_id, int(self._code_term[code_id]), scores[group])
            for code_id, group in zip(ids[order].tolist(), tier[order].tolist(), strict=True)
        ]

    def _rank(
        self,
        query: str,
        score: npt.NDArray[np.float32],
        coverage: npt.NDArray[np.float32],
        limit: int,
    ) -> list[RawHit]:
        """Rerank the best entries with rapidfuzz and keep each code's best entry."""
        candidates = np.flatnonzero(score > 0.0)
        if len(candidates) > _RERANK:
            top = np.argpartition(score[candidates], -_RERANK)[-_RERANK:]
            candidates = candidates[top]
        best: dict[int, RawHit] = {}
        covered: dict[int, float] = {}
        for entry in candidates.tolist():
            similarity = fuzz.token_sort_ratio(query, self._entry_norm[entry]) / 100.0
            value = 0.85 * float(score[entry]) + 0.15 * similarity
            if not self._entry_billable[entry]:
                value *= _NON_BILLABLE
            if self._entry_system[entry] != _DIAGNOSIS:
                value *= _PROCEDURE
            code_id = int(self._entry_code[entry])
            held = best.get(code_id)
            if held is None or value > held.score:
                best[code_id] = RawHit(code_id, int(self._entry_term[entry]), value)
            covered[code_id] = max(covered.get(code_id, 0.0), float(coverage[entry]))
        if best:
            self._billable_first(best, covered, 2 * limit)
        ranked = sorted(best.values(), key=lambda hit: (-hit.score, hit.code_id))
        return ranked[:limit]

    def _billable_first(self, best: dict[int, RawHit], covered: dict[int, float], top: int) -> None:
        """Swap a non-billable code with its best billable descendant when the query's words
        cover the descendant as much and it scored lower: a longer title ("Alzheimer's disease,
        unspecified") must not rank the reportable code below its category ("Alzheimer's
        disease"). Only the two trade places; only codes among the ``top`` best are looked at,
        as a swap further down cannot change the answer."""
        scores = sorted((hit.score for hit in best.values()), reverse=True)
        cutoff = scores[min(top, len(scores)) - 1]
        parents: dict[int, dict[str, int]] = {}
        for code_id, hit in best.items():
            if hit.score >= cutoff and not self._code_billable[code_id]:
                system = int(self._code_system[code_id])
                parents.setdefault(system, {})[self._code_key[code_id]] = code_id
        if not parents:
            return
        children: dict[int, list[int]] = {}
        for code_id in best:
            system = int(self._code_system[code_id])
            if not self._code_billable[code_id] or system not in parents:
                continue
            key, held = self._code_key[code_id], parents[system]
            for end in range(1, len(key)):
                parent_id = held.get(key[:end])
                if parent_id is not None and covered[code_id] >= covered[parent_id] - _SAME:
                    children.setdefault(parent_id, []).append(code_id)
        for code_id in sorted(children, key=lambda c: (-best[c].score, c)):
            parent = best[code_id]
            child = best[max(children[code_id], key=lambda c: (best[c].score, -c))]
            if child.score < parent.score:
                best[child.code_id] = RawHit(child.code_id, child.term_id, parent.score)
                best[code_id] = RawHit(code_id, parent.term_id, child.score)
