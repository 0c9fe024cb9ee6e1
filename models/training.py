"""Training the ranker: candidates from the engine, labels from gold codes, torch, calibration.

``train`` runs the rules engine (no ranker) over the CodiEsp train split (negated mentions
included, the corpus convention) and the synthetic gold charts, labels each ICD-10-CM candidate
by whether the gold set holds its code, fits a small network on 80% of the training notes, then
on the other 20% (held out) fits a temperature (so a 0.9 means right 9 times in 10) and the
decision threshold that maximises micro-F1. It reports calibration (ECE) on the held-out part,
and micro-F1 and MAP on the CodiEsp dev split with and without the ranker.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import random
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import torch

from codesets.model import System
from models.engine import CodingEngine, load_coder
from models.errors import ModelArtifactError
from models.features import FEATURE_NAMES
from models.output import rule_confidence
from models.ranker import ARTIFACT_DIR, Layer, Ranker
from models.schema import Setting

_BINS = 10


@dataclass(frozen=True, slots=True)
class Note:
    """One training or evaluation note with its gold ICD-10-CM codes."""

    doc_id: str
    text: str
    gold: frozenset[str]
    setting: Setting
    include_negated: bool


@dataclass(slots=True)
class Rows:
    """Candidates of many notes: features, labels, note ids, rule confidences, codes."""

    features: list[list[float]]
    labels: list[float]
    notes: list[int]
    rule_scores: list[float]
    codes: list[str]


def read_codiesp(root: Path, split: str) -> list[Note]:
    """A CodiEsp split (English text, D codes) as notes; inpatient, negated mentions coded."""
    folder = root / split
    gold: dict[str, set[str]] = {}
    for line in (folder / f"{split}D.tsv").read_text(encoding="utf-8").splitlines():
        if line.strip():
            doc_id, code = line.split("\t")[:2]
            gold.setdefault(doc_id, set()).add(code.strip().upper())
    notes = []
    for path in sorted((folder / "text_files_en").glob("*.txt")):
        notes.append(
            Note(
                path.stem,
                path.read_text(encoding="utf-8"),
                frozenset(gold.get(path.stem, ())),
                "inpatient",
                True,
            )
        )
    return notes


def read_gold(path: Path) -> list[Note]:
    """The synthetic gold charts (JSONL) as notes with their ICD-10-CM codes."""
    notes = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        chart = json.loads(line)
        codes = {c["code"] for c in chart["codes"] if c["system"] == System.ICD10CM.value}
        setting: Setting = "inpatient" if chart.get("setting") == "inpatient" else "outpatient"
        notes.append(Note(chart["id"], chart["text"], frozenset(codes), setting, False))
    return notes


def digest(paths: Sequence[Path]) -> str:
    """One sha256 over the given files (sorted by name)."""
    hasher = hashlib.sha256()
    for path in sorted(paths):
        hasher.update(path.name.encode())
        hasher.update(path.read_bytes())
    return hasher.hexdigest()


def collect(engine: CodingEngine, notes: Sequence[Note], priors: dict[str, float]) -> Rows:
    """Rules-engine candidates of every note, with features and labels."""
    from models.features import features

    rows = Rows([], [], [], [], [])
    for index, note in enumerate(notes):
        worked = engine.work(note.text, setting=note.setting, include_negated=note.include_negated)
        for candidate in worked.candidates:
            if candidate.system is not System.ICD10CM:
                continue
            record = engine.codebook.get(System.ICD10CM, candidate.code)
            rows.features.append(
                features(
                    candidate,
                    note_length=len(note.text),
                    description=record.description if record else "",
                    priors=priors,
                )
            )
            rows.labels.append(1.0 if candidate.code in note.gold else 0.0)
            rows.notes.append(index)
            rows.rule_scores.append(rule_confidence(candidate))
            rows.codes.append(candidate.code)
    return rows


def code_priors(notes: Sequence[Note]) -> dict[str, float]:
    """Log-scaled gold frequency of each code and 3-character category, in [0, 1]."""
    counts: Counter[str] = Counter()
    for note in notes:
        for code in note.gold:
            counts[code] += 1
            counts[code.replace(".", "")[:3]] += 1
    top = math.log1p(max(counts.values(), default=1))
    return {code: round(math.log1p(n) / top, 4) for code, n in counts.items()}


def network(width: int = 32) -> torch.nn.Module:
    """The ranker's architecture: features -> hidden layer -> one logit."""
    return torch.nn.Sequential(
        torch.nn.Linear(len(FEATURE_NAMES), width), torch.nn.ReLU(), torch.nn.Linear(width, 1)
    )


def layers_of(model: torch.nn.Module) -> list[Layer]:
    """The network's layers as the ranker scores them: NumPy views of the parameters.

    The views share the parameters' memory, so a training step (in place) is seen at once.
    """
    layers: list[Layer] = []
    for layer in model.children():
        if isinstance(layer, torch.nn.Linear):
            layers.append((layer.weight.detach().numpy().T, layer.bias.detach().numpy()))
        elif isinstance(layer, torch.nn.ReLU):
            layers.append(None)
        else:
            raise ModelArtifactError(f"the ranker cannot score a {type(layer).__name__} layer")
    return layers


def network_logits(model: torch.nn.Module, rows: list[list[float]]) -> list[float]:
    """The network's raw logits (before temperature) for feature rows, with torch."""
    with torch.no_grad():
        out: list[float] = model(torch.tensor(rows)).squeeze(-1).tolist()
    return out


def fit(rows: Rows, *, epochs: int, seed: int) -> torch.nn.Module:
    """A small network fitted with weighted binary cross-entropy (full batch, Adam)."""
    torch.manual_seed(seed)
    model = network()
    x = torch.tensor(rows.features, dtype=torch.float32)
    y = torch.tensor(rows.labels, dtype=torch.float32)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01, weight_decay=1e-4)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    for _ in range(epochs):
        optimizer.zero_grad()
        loss = loss_fn(model(x).squeeze(-1), y)
        loss.backward()
        optimizer.step()
    model.eval()
    return model


def fit_temperature(logits: Sequence[float], labels: Sequence[float]) -> float:
    """The temperature minimising held-out negative log-likelihood (grid search)."""
    z = torch.tensor(logits)
    y = torch.tensor(labels)
    best, best_loss = 1.0, float("inf")
    for step in range(10, 401):
        t = step / 100
        loss = float(torch.nn.functional.binary_cross_entropy_with_logits(z / t, y))
        if loss < best_loss:
            best, best_loss = t, loss
    return best


def fit_isotonic(
    probabilities: Sequence[float], labels: Sequence[float]
) -> tuple[list[float], list[float]]:
    """Pool-adjacent-violators: a non-decreasing map from probability to observed frequency.

    Returned as knots (block mean probability, block frequency) for linear interpolation.
    """
    pairs = sorted(zip(probabilities, labels, strict=True))
    blocks: list[list[float]] = []  # [sum of p, sum of y, count]
    for p, y in pairs:
        blocks.append([p, y, 1.0])
        while len(blocks) > 1 and blocks[-2][1] / blocks[-2][2] >= blocks[-1][1] / blocks[-1][2]:
            p2, y2, n2 = blocks.pop()
            blocks[-1][0] += p2
            blocks[-1][1] += y2
            blocks[-1][2] += n2
    xs = [round(b[0] / b[2], 6) for b in blocks]
    ys = [round(b[1] / b[2], 6) for b in blocks]
    return [0.0, *xs, 1.0], [ys[0] if ys else 0.0, *ys, ys[-1] if ys else 1.0]


def ece(probabilities: Sequence[float], labels: Sequence[float], bins: int = _BINS) -> float:
    """Expected calibration error: |accuracy - confidence| averaged over equal-width bins."""
    total = len(probabilities)
    if not total:
        return 0.0
    error = 0.0
    for b in range(bins):
        low, high = b / bins, (b + 1) / bins
        members = [
            i
            for i, p in enumerate(probabilities)
            if low <= p < high or (b == bins - 1 and p == 1.0)
        ]
        if members:
            confidence = sum(probabilities[i] for i in members) / len(members)
            accuracy = sum(labels[i] for i in members) / len(members)
            error += len(members) / total * abs(accuracy - confidence)
    return round(error, 4)


def micro(
    rows: Rows,
    scores: Sequence[float],
    notes: Sequence[Note],
    threshold: float,
    only: set[int] | None = None,
) -> dict[str, float]:
    """Micro P/R/F1 of candidates kept at ``threshold`` against every gold code, and MAP.

    ``only`` restricts the gold codes to those notes (the held-out part of the training list).
    """
    kept = {(rows.notes[i], rows.codes[i]) for i, s in enumerate(scores) if s >= threshold}
    gold = {
        (i, code) for i, note in enumerate(notes) for code in note.gold if only is None or i in only
    }
    tp = len(kept & gold)
    precision = tp / max(1, len(kept))
    recall = tp / max(1, len(gold))
    f1 = 2 * precision * recall / max(1e-9, precision + recall)
    return {
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "map": round(mean_average_precision(rows, scores, notes, only), 4),
    }


def mean_average_precision(
    rows: Rows, scores: Sequence[float], notes: Sequence[Note], only: set[int] | None = None
) -> float:
    """MAP over notes: candidates ranked by score, precision at each gold hit / gold count."""
    ranked: dict[int, list[tuple[float, str]]] = {}
    for i, score in enumerate(scores):
        ranked.setdefault(rows.notes[i], []).append((score, rows.codes[i]))
    total = 0.0
    counted = 0
    for index, note in enumerate(notes):
        if not note.gold or (only is not None and index not in only):
            continue
        counted += 1
        hits, precision_sum = 0, 0.0
        for rank, (_, code) in enumerate(sorted(ranked.get(index, []), reverse=True), start=1):
            if code in note.gold:
                hits += 1
                precision_sum += hits / rank
        total += precision_sum / len(note.gold)
    return total / max(1, counted)


def best_threshold(
    rows: Rows, scores: Sequence[float], notes: Sequence[Note], only: set[int]
) -> float:
    """The threshold in [0.05, 0.95] with the best held-out micro-F1."""
    grid = [step / 100 for step in range(5, 96)]
    return max(grid, key=lambda t: micro(rows, scores, notes, t, only)["f1"])


def _subset(rows: Rows, keep: set[int]) -> Rows:
    picked = [i for i, note in enumerate(rows.notes) if note in keep]
    return Rows(
        [rows.features[i] for i in picked],
        [rows.labels[i] for i in picked],
        [rows.notes[i] for i in picked],
        [rows.rule_scores[i] for i in picked],
        [rows.codes[i] for i in picked],
    )


def train(
    *,
    codiesp_dir: Path,
    gold_file: Path | None,
    out_dir: Path | None = None,
    seed: int = 13,
    epochs: int = 300,
    echo: Callable[[str], None] = print,
) -> dict[str, object]:
    """Train, calibrate, evaluate and write the ranker artifact; returns its manifest."""
    started = time.perf_counter()
    engine = load_coder(with_ranker=False)
    train_notes = read_codiesp(codiesp_dir, "train")
    if gold_file is not None:
        train_notes += read_gold(gold_file)
    dev_notes = read_codiesp(codiesp_dir, "dev")
    order = list(range(len(train_notes)))
    random.Random(seed).shuffle(order)
    held = set(order[: len(order) // 5])
    priors = code_priors([n for i, n in enumerate(train_notes) if i not in held])
    echo(f"collecting candidates: {len(train_notes)} training notes, {len(dev_notes)} dev notes")
    rows = collect(engine, train_notes, priors)
    fit_rows = _subset(rows, set(range(len(train_notes))) - held)
    held_rows = _subset(rows, held)
    model = fit(fit_rows, epochs=epochs, seed=seed)
    ranker = Ranker(layers_of(model), priors, 1.0, 0.5, "pending", engine.codebook)
    held_logits = network_logits(model, held_rows.features)
    # Calibration is fitted on one half of the held-out notes and checked on the other half,
    # so the reported held-out ECE is measured on notes the calibration never saw.
    ordered_held = sorted(held)
    calib = set(ordered_held[::2])
    check = held - calib
    calib_rows, check_rows = _subset(held_rows, calib), _subset(held_rows, check)
    calib_logits = network_logits(model, calib_rows.features)
    check_logits = network_logits(model, check_rows.features)
    ranker.temperature = fit_temperature(calib_logits, calib_rows.labels)
    scaled = [1 / (1 + math.exp(-z / ranker.temperature)) for z in calib_logits]
    ranker.isotonic = fit_isotonic(scaled, calib_rows.labels)
    held_probs = ranker.calibrate(held_logits)
    check_probs = ranker.calibrate(check_logits)
    ranker.threshold = best_threshold(held_rows, held_probs, train_notes, held)
    dev_rows = collect(engine, dev_notes, priors)
    dev_logits = network_logits(model, dev_rows.features)
    dev_probs = ranker.calibrate(dev_logits)
    raw_check = [1 / (1 + math.exp(-z)) for z in check_logits]
    metrics = {
        "dev_with_ranker": micro(dev_rows, dev_probs, dev_notes, ranker.threshold),
        "dev_rules_only": micro(dev_rows, dev_rows.rule_scores, dev_notes, 0.0),
        "heldout_with_ranker": micro(held_rows, held_probs, train_notes, ranker.threshold, held),
        "heldout_ece_uncalibrated": ece(raw_check, check_rows.labels),
        "heldout_ece": ece(check_probs, check_rows.labels),
        "dev_ece": ece(dev_probs, dev_rows.labels),
        "heldout_candidates": len(held_rows.labels),
        "fit_candidates": len(fit_rows.labels),
        "dev_candidates": len(dev_rows.labels),
        "seconds": round(time.perf_counter() - started, 1),
    }
    inputs = [
        codiesp_dir / "train" / "trainD.tsv",
        *sorted((codiesp_dir / "train" / "text_files_en").glob("*.txt")),
    ]
    data = {"codiesp_train_sha256": digest(inputs)}
    if gold_file is not None:
        data["synthetic_gold_sha256"] = digest([gold_file])
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    weights_key = hashlib.sha256(buffer.getvalue()).hexdigest()[:8]
    ranker.version = f"ranker-{datetime.now(UTC):%Y%m%d}-{weights_key}"
    manifest: dict[str, object] = {
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "training_data": data,
        "notes": {"fit": len(train_notes) - len(held), "heldout": len(held), "dev": len(dev_notes)},
        "seed": seed,
        "epochs": epochs,
        "semantic_matching": engine.semantic is not None,
        "width": 32,
        "metrics": metrics,
        "command": "cac train --codiesp DIR [--gold tests/data/gold_synthetic.jsonl]",
    }
    ranker.save(out_dir or ARTIFACT_DIR, manifest)
    return {**manifest, "version": ranker.version}
