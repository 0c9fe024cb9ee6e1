"""Combination codes: one code that names two conditions beats two separate codes.

- Diabetes "with" a listed complication: the index's "with" presumes the causal link unless the
  provider says otherwise (Guidelines I.A.15); assign as many E08-E13 codes as the complications
  require (I.C.4.a), and drop the "without complications" code.
- Hypertension with heart disease (I11), with chronic kidney disease (I12), or both (I13): the
  link is presumed (I.C.9.a.1-3); the heart failure type (I50.-) and the CKD stage (N18.-) are
  still coded, as the tabular's "use additional code" notes ask.
- A deficit the note ties to a stroke ("hemiparesis following cerebral infarction") is a sequela
  of cerebrovascular disease, I69.- (I.C.9.d), not the deficit plus the acute stroke code.
- Nicotine dependence takes the product named with it: "Dependence, drug, nicotine, cigarettes"
  is F17.21- in the Alphabetic Index (I.A.6: the index leads to the code, I.C.5.b for use and
  dependence).
"""

from __future__ import annotations

import re

from codesets.model import System
from models.candidate import Candidate
from models.codebook import CodeBook
from models.rules import HypertensionData, combination_data, first_mapped, starts_with
from models.schema import LinkedCode
from models.specificity import refine


def _present(candidates: list[Candidate]) -> list[Candidate]:
    return [
        c
        for c in candidates
        if c.system is System.ICD10CM
        and c.rule != "family_history"
        and c.rule != "personal_history"
    ]


def _diabetes_category(candidate: Candidate) -> str:
    data = combination_data().diabetes
    category = candidate.code.replace(".", "")[:3]
    for mention in candidate.mentions:
        value = mention.attributes.get("type", "").lower().strip()
        if value in data.type_categories:
            return data.type_categories[value]
    return category if category in data.categories else data.default_category


def _worded(candidate: Candidate, words: list[str]) -> bool:
    if not words:
        return True
    texts = " ".join(m.text.lower() for m in candidate.mentions)
    return any(word in texts for word in words)


def _join(target: Candidate, others: list[Candidate]) -> None:
    for other in others:
        for span in other.spans:
            if span not in target.spans:
                target.spans.append(span)
        target.mentions.extend(m for m in other.mentions if m not in target.mentions)
        target.match_score = max(target.match_score, other.match_score)


def apply_diabetes(candidates: list[Candidate], codebook: CodeBook) -> list[Candidate]:
    """Replace diabetes + complication pairs by E08-E13 combination codes."""
    data = combination_data().diabetes
    present = _present(candidates)
    diabetes = [c for c in present if starts_with(c.code, data.categories)]
    if not diabetes:
        return candidates
    base = diabetes[0]
    category = _diabetes_category(base)
    result = [c for c in candidates if c not in diabetes]
    made: list[Candidate] = []
    absorbed: set[int] = set()
    claimed: set[int] = set()  # a host feeds one complication row (the first, most specific)
    for complication in data.complications:
        hosts = [
            c
            for c in present
            if starts_with(c.code, complication.prefixes)
            and not starts_with(c.code, data.categories)
            and id(c) not in claimed
            and _worded(c, complication.words)
        ]
        if not hosts:
            continue
        claimed.update(id(h) for h in hosts)
        code = f"{category}{complication.suffix}"
        if codebook.get(System.ICD10CM, code) is None:
            continue
        combined = Candidate(
            System.ICD10CM,
            code,
            list(base.spans),
            base.source,
            base.match_score,
            rule="combination",
            mentions=list(base.mentions),
        )
        _join(combined, hosts)
        combined.rationale.append(
            f"diabetes with {complication.name} ({', '.join(h.code for h in hosts)}): "
            f'combination code {code}; the "with" link is presumed (Guidelines I.A.15, I.C.4.a)'
        )
        if complication.absorb:
            absorbed.update(id(h) for h in hosts)
        else:
            combined.linked.extend(
                LinkedCode(
                    system=h.system.value,
                    code=h.code,
                    relation="use_additional",
                    note=f"use additional code to identify the {complication.name}",
                )
                for h in hosts
            )
        made.append(combined)
    for extra in diabetes:
        if extra.code.replace(".", "")[:3] == category and not extra.code.endswith(
            data.without_complications_suffix
        ):
            made.append(extra)  # already a specific combination code from the note's words
    if not made:
        base.code = refine(codebook, f"{category}{data.without_complications_suffix}", {}).code
        for extra in diabetes[1:]:
            base.merge(extra)
        return [*result, base]
    result = [c for c in result if id(c) not in absorbed]
    merged: dict[str, Candidate] = {}
    for candidate in made:
        if candidate.code in merged:
            merged[candidate.code].merge(candidate)
        else:
            merged[candidate.code] = candidate
    return [*result, *merged.values()]


def _hypertension_key(
    data: HypertensionData, present: list[Candidate]
) -> tuple[str, list[Candidate]]:
    failure = [c for c in present if starts_with(c.code, data.heart_failure_prefixes)]
    disease = [c for c in present if starts_with(c.code, data.heart_disease_prefixes)]
    ckd = [c for c in present if starts_with(c.code, data.ckd_prefixes)]
    # CKD stated by a diabetes combination code counts too: hypertension with CKD is presumed
    # linked whatever else the CKD is attributed to (I.C.9.a.2); both codes are reported
    stated = any(starts_with(c.code, data.ckd_combination_prefixes) for c in present)
    late = any(starts_with(c.code, data.ckd_late_prefixes) for c in ckd)
    heart = "heart_failure" if failure else "heart_disease" if disease else ""
    kidney = ("ckd_late" if late else "ckd_early") if ckd or stated else ""
    key = "_".join(part for part in (heart, kidney) if part)
    return key, [*failure, *disease, *ckd]


def apply_hypertension(candidates: list[Candidate], codebook: CodeBook) -> list[Candidate]:
    """Replace hypertension + heart disease / CKD by I11, I12 or I13 (Guidelines I.C.9.a)."""
    data = combination_data().hypertension
    present = _present(candidates)
    hypertension = [c for c in present if starts_with(c.code, data.hypertension_prefixes)]
    if not hypertension:
        return candidates
    key, partners = _hypertension_key(data, present)
    if not key:
        return candidates
    named = [*partners, *(c for c in present if starts_with(c.code, data.ckd_combination_prefixes))]
    code = data.codes[key]
    base = hypertension[0]
    for extra in hypertension[1:]:
        base.merge(extra)
    old = base.code
    base.code, base.rule = code, "combination"
    _join(base, partners)
    base.rationale.append(
        f"hypertension ({old}) with {', '.join(sorted({p.code for p in named}))}: "
        f"combination code {code}; the link is presumed (Guidelines I.C.9.a)"
    )
    for partner in partners:
        if partner.code.startswith(("I50", "N18")):
            base.linked.append(
                LinkedCode(
                    system="ICD-10-CM",
                    code=partner.code,
                    relation="use_additional",
                    note="use additional code for the type of heart failure / CKD stage",
                )
            )
    if "ckd" in key and not any(p.code.startswith("N18") for p in partners):
        base.warnings.append("use additional code N18.- for the CKD stage; none documented")
    return [c for c in candidates if c not in hypertension[1:]]


def add_ckd_stage(candidates: list[Candidate], codebook: CodeBook) -> list[Candidate]:
    """Add N18.- from a documented stage when a CKD combination code lacks it.

    E08-E13 ".22", I12 and I13 all say "use additional code to identify the stage of chronic
    kidney disease (N18.-)"; a note that names the stage inside the combined phrase ("diabetic
    chronic kidney disease, stage 3a") yields no separate CKD mention, so the stage is read from
    the combined mentions' attributes.
    """
    if any(c.code.startswith("N18") for c in candidates):
        return candidates
    for host in candidates:
        flat = host.code.replace(".", "")
        diabetic = flat[:3] in ("E08", "E09", "E10", "E11", "E13") and flat[3:5] == "22"
        if not (diabetic or flat.startswith(("I12", "I13"))):
            continue
        stage = next(
            (m.attributes["stage"] for m in host.mentions if m.attributes.get("stage")), None
        )
        if stage is None:
            missing = "use additional code N18.- for the CKD stage; none documented"
            if missing not in host.warnings:
                host.warnings.append(missing)
            continue
        refined = refine(codebook, "N18", {"stage": stage})
        stage_code = Candidate(
            System.ICD10CM,
            refined.code,
            list(host.spans),
            host.source,
            host.match_score,
            rule="combination",
            mentions=list(host.mentions),
        )
        stage_code.rationale.append(
            f"CKD stage {stage} documented with {host.code}: {refined.code}, as the tabular's "
            '"use additional code" note asks (Guidelines I.C.4.a, I.C.9.a.2)'
        )
        host.linked.append(
            LinkedCode(
                system="ICD-10-CM",
                code=refined.code,
                relation="use_additional",
                note="stage of CKD (N18.-)",
            )
        )
        return [*candidates, stage_code]
    return candidates


def _line(note: str, start: int, end: int) -> tuple[int, int]:
    return note.rfind("\n", 0, start) + 1, len(note) if (e := note.find("\n", end)) < 0 else e


def _linked(note: str, deficit: Candidate, stroke: Candidate, links: re.Pattern[str]) -> bool:
    for first in deficit.mentions:
        for second in stroke.mentions:
            gap = note[first.end : second.start]
            if 0 <= len(gap) <= 60 and "\n" not in gap and links.search(gap):
                return True
    return False


def apply_stroke_sequelae(
    note: str, candidates: list[Candidate], codebook: CodeBook
) -> list[Candidate]:
    """Replace a deficit linked to a stroke by its I69.- sequela code (Guidelines I.C.9.d).

    The link must be written between the two ("hemiparesis following a cerebral infarction",
    "aphasia due to old stroke"); the laterality and dominance of hemiplegia pick the leaf, with
    right-sided deficits dominant and left-sided ones non-dominant by default (I.C.9.d.1).
    """
    data = combination_data().stroke_sequelae
    links = re.compile(
        r"\b(?:" + "|".join(re.escape(w) for w in data.links) + r")\b", re.IGNORECASE
    )
    icd = [c for c in candidates if c.system is System.ICD10CM]
    strokes = [(c, first_mapped(c.code, data.strokes)) for c in icd]
    used: set[int] = set()
    made: list[Candidate] = []
    for deficit in icd:
        row = next((d for d in data.deficits if starts_with(deficit.code, d.prefixes)), None)
        if row is None:
            continue
        for stroke, category in strokes:
            if category is None or not _linked(note, deficit, stroke, links):
                continue
            attributes: dict[str, str] = {}
            for mention in (*stroke.mentions, *deficit.mentions):
                attributes.update(mention.attributes)
            refined = refine(codebook, f"{category}{row.suffix}", attributes)
            if codebook.get(System.ICD10CM, refined.code) is None:
                continue
            sequela = Candidate(
                System.ICD10CM,
                refined.code,
                list(deficit.spans),
                deficit.source,
                deficit.match_score,
                rule="combination",
                mentions=list(deficit.mentions),
            )
            _join(sequela, [stroke])
            sequela.rationale.append(
                f"{row.name} ({deficit.code}) following a stroke ({stroke.code}): sequela code "
                f"{refined.code} (Guidelines I.C.9.d)"
            )
            sequela.rationale.extend(refined.rationale)
            sequela.warnings.extend(refined.warnings)
            made.append(sequela)
            used.update((id(deficit), id(stroke)))
    return [c for c in candidates if id(c) not in used] + made


def apply_nicotine_product(note: str, candidates: list[Candidate]) -> list[Candidate]:
    """Nicotine dependence, unspecified product, takes the product named on its line."""
    data = combination_data().nicotine
    for candidate in candidates:
        if candidate.system is not System.ICD10CM or not starts_with(candidate.code, data.prefixes):
            continue
        for mention in candidate.mentions:
            start, end = _line(note, mention.start, mention.end)
            text = note[start:end].lower()
            product = next(
                (
                    p
                    for p in data.products
                    if any(re.search(rf"\b{re.escape(w)}\b", text) for w in p.words)
                ),
                None,
            )
            if product is not None:
                candidate.rationale.append(
                    f"nicotine dependence with the product named: {product.code} "
                    "(Alphabetic Index: Dependence, drug, nicotine)"
                )
                candidate.code = product.code
                break
    return candidates


def apply_combinations(candidates: list[Candidate], codebook: CodeBook) -> list[Candidate]:
    """All combination rules: diabetes first, then the CKD stage its combination code asks for
    (so that hypertension sees the stage: I12.0/I13.2 for stage 5 and ESRD), then hypertension,
    then the stage for an I12/I13 that still lacks one."""
    with_stage = add_ckd_stage(apply_diabetes(candidates, codebook), codebook)
    return add_ckd_stage(apply_hypertension(with_stage, codebook), codebook)
