"""Hypothesis strategies for hostile note text, shared by the NLP and coder fuzz tests.

A note is a run of pieces joined by line ends and separators: arbitrary unicode (every category
Python's ``str`` holds, lone surrogates excluded), real clinical phrases and section headers, and
characters that break naive offset arithmetic (NUL and other controls, CR/CRLF/U+2028 line ends,
combining marks, right-to-left text and overrides, emoji with joiners, zero-width characters,
letters whose lower or upper case has another length such as "İ" and "ß", ligatures that NFKC
expands). ``repeated`` adds runs of one token, bracket nesting and repeated headers.

Load it with ``load()`` (the tests run in importlib mode, so ``tests`` is not a package). The
number of examples per property is ``CAC_PIPELINE_FUZZ_EXAMPLES`` (``examples()``).
"""

from __future__ import annotations

import os

from hypothesis import strategies as st

CLINICAL = [
    "Chest pain, unspecified",
    "denies chest pain",
    "no fever or cough",
    "History of pulmonary embolism",
    "h/o MI",
    "HTN",
    "T2DM with hyperglycemia",
    "Type 2 diabetes mellitus with diabetic neuropathy",
    "Type 1 diabetes mellitus without complications",
    "Essential (primary) hypertension",
    "CKD stage 3b",
    "Acute on chronic systolic (congestive) heart failure",
    "COPD exacerbation",
    "Family history: breast cancer in mother",
    "mother had breast cancer",
    "rule out pneumonia",
    "possible UTI",
    "if chest pain returns, go to the ER",
    "Pain in right knee",
    "fracture of left femur",
    "left leg cellulitis",
    "N/V",
    "SOB",
    "PE",
    "s/p colonoscopy",
    "Colonoscopy, flexible; diagnostic",
    "Injection, ondansetron hydrochloride, per 1 mg",
    "influenza vaccine given",
    "COVID-19 test negative",
    "BMI 41.2",
    "tobacco use disorder",
    "alcohol dependence in remission",
    "Medical decision making: moderate",
    "MDM: low",
    "Aspirin 81 mg daily",
    "patient is a 45 y/o female",
    "99213",
    "E11.65",
    "Atrial fibrillation (AF)",
    "Deep vein thrombosis with edema",
    "shortness of breath due to pneumonia",
    "Multiple sclerosis",
]

HEADERS = [
    "HPI:",
    "History of Present Illness:",
    "PMH:",
    "Past Medical History:",
    "Family History:",
    "Social History:",
    "ROS:",
    "Physical Exam:",
    "Assessment:",
    "Assessment and Plan:",
    "Plan:",
    "Medications:",
    "Allergies:",
    "Impression:",
    "Chief Complaint:",
]

ODD = [
    "\x00",
    "\x01",
    "\x07",
    "\x1b[31m",
    "\x7f",
    "\x85",
    "\x0b",
    "\x0c",
    "\r",
    "\r\n",
    "\n\r",
    "\u2028",
    "\u2029",
    "\t",
    "\u00a0",
    "\u2003",
    "\u3000",
    "\u200b",
    "\u200c",
    "\u200d",
    "\u200e",
    "\u200f",
    "\u202a",
    "\u202e",
    "\u2066",
    "\u2069",
    "\ufeff",
    "\ufffd",
    "\ufffe",
    "\uffff",
    "\U0010ffff",
    "\u0301",
    "\u0308\u0323\u0301",
    "e\u0301",
    "Z\u0351\u0328\u0330a\u0352\u0315l\u0314g\u0310o\u0334",
    "\u05d7\u05d5\u05dd \u05d2\u05d1\u05d5\u05d4",  # Hebrew
    "\u0623\u0644\u0645 \u0641\u064a \u0627\u0644\u0635\u062f\u0631",  # Arabic
    "\u202edenies chest pain\u202c",
    "😀",
    "👩🏽\u200d⚕️",
    "🇺🇸",
    "1️⃣",
    "İ",
    "ß",
    "ẞ",
    "ﬁ",
    "ﬀ",
    "ǅ",
    "Σ",
    "ΐ",
    "Ⅻ",
    "①",
    "²",
    "½",
    "٣",
    "𝐂𝐡𝐞𝐬𝐭 𝐩𝐚𝐢𝐧",
    "ｃｈｅｓｔ　ｐａｉｎ",
    "胸痛",
    "тошнота",
    "\u0d15\u0d4d\u0d37",
    "<script>alert(1)</script>",
    "'; DROP TABLE notes; --",
    "%s%n{0}{note}",
    "\\x00\\n",
]

SEPARATORS = ["", " ", "  ", "\n", "\r\n", "\r", "\n\n", "\t", ". ", ", ", "; ", ": ", "\u2028"]

REPEATABLE = [
    "pain ",
    "pain",
    "(",
    "((chest pain))",
    "[",
    ")",
    "HPI:\n",
    "Assessment:\n",
    "no ",
    "history of ",
    "with ",
    "denies ",
    "HTN, ",
    "\n",
    "\r\n",
    " ",
    ".",
    "-",
    "/",
    "0",
    "a",
    "chest ",
    "diabetes mellitus ",
    "😀",
    "\u0301",
    "\u200b",
    "\x00",
]


def examples(default: int) -> int:
    """Examples per property: ``CAC_PIPELINE_FUZZ_EXAMPLES`` when set, else ``default``."""
    return int(os.environ.get("CAC_PIPELINE_FUZZ_EXAMPLES", str(default)))


def unicode_text(max_size: int = 80) -> st.SearchStrategy[str]:
    """Arbitrary text from every category but surrogates (``Cs``), which hypothesis leaves out."""
    return st.text(st.characters(codec=None), max_size=max_size)


def repeated(max_times: int = 3_000) -> st.SearchStrategy[str]:
    """One token repeated many times ("pain pain pain ...", "((((", "HPI:\\nHPI:\\n...")."""
    return st.builds(
        lambda token, times: token * times,
        st.sampled_from(REPEATABLE),
        st.integers(min_value=1, max_value=max_times),
    )


def piece(max_times: int = 3_000) -> st.SearchStrategy[str]:
    """One piece of a note."""
    return st.one_of(
        unicode_text(),
        st.sampled_from(CLINICAL),
        st.sampled_from(HEADERS),
        st.sampled_from(ODD),
        repeated(max_times),
        st.lists(st.sampled_from(ODD + CLINICAL), max_size=6).map("".join),
    )


def notes(max_pieces: int = 30, max_times: int = 3_000) -> st.SearchStrategy[str]:
    """Notes made of pieces and separators, from empty to tens of thousands of characters."""
    return st.lists(
        st.tuples(piece(max_times), st.sampled_from(SEPARATORS)), max_size=max_pieces
    ).map(lambda parts: "".join(p + s for p, s in parts))


# Deterministic giants: a case each, too big to leave to chance.
GIANTS: dict[str, str] = {
    "pain x10k": "pain " * 10_000,
    "pain x10k one token": "pain" * 10_000,
    "chest pain x5k": "chest pain, " * 5_000,
    "open parens x20k": "(" * 20_000 + "chest pain",
    "nested parens": "(" * 5_000 + "chest pain" + ")" * 5_000,
    "headers x5k": "HPI:\n" * 5_000,
    "header lines x3k": "Assessment: hypertension\r\n" * 3_000,
    "history of x5k": "history of " * 5_000 + "pulmonary embolism",
    "carcinoma x15k": "carcinoma " * 15_000,
    "denies x5k": "denies " * 5_000 + "chest pain",
    "one long line": " ".join(CLINICAL) * 300,
    "one long word": "a" * 60_000 + " chest pain",
    "NUL x50k": "\x00" * 50_000 + " chest pain",
    "CR only lines": "HPI: cough\rPMH: HTN\rPlan: rest\r" * 2_000,
    "combining x50k": "e" + "\u0301" * 50_000 + " chest pain",
    "zero width x50k": "\u200b".join(["chest", "pain", "fever"] * 5_000),
    "emoji x20k": "😀" * 20_000 + " fever",
    "whitespace x50k": " " * 50_000 + "fever",
    "newlines x50k": "\n" * 50_000 + "fever",
    "dots x50k": "." * 50_000 + "fever",
    "slashes x20k": "N/V/" * 5_000,
    "digits x50k": "9" * 50_000,
    "rtl x10k": "\u202e" + "\u05d7\u05d5\u05dd " * 10_000 + "fever",
}
