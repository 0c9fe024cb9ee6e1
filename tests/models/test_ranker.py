"""Ranker features, calibration on held-out data, the artifact's checksum, and the manifest."""

from __future__ import annotations

import json
import math
import random
from pathlib import Path
from typing import Any

import pytest
import torch

from codesets.model import System
from models.candidate import Candidate, Span
from models.errors import ModelArtifactError
from models.features import FEATURE_NAMES, features
from models.ranker import ARTIFACT_DIR, MANIFEST, WEIGHTS, Ranker
from models.training import (
    Note,
    Rows,
    ece,
    fit,
    fit_temperature,
    layers_of,
    micro,
    network,
    network_logits,
)


def _synthetic(n: int, seed: int, sharpness: float) -> tuple[list[float], list[float]]:
    """Logits from an over-confident model: the true log-odds times ``sharpness``."""
    rng = random.Random(seed)
    logits, labels = [], []
    for _ in range(n):
        true = rng.uniform(-4, 4)
        labels.append(1.0 if rng.random() < 1 / (1 + math.exp(-true)) else 0.0)
        logits.append(true * sharpness)
    return logits, labels


def test_temperature_fitted_on_held_out_data_calibrates_new_data() -> None:
    fit_logits, fit_labels = _synthetic(4000, 1, sharpness=3.0)
    temperature = fit_temperature(fit_logits, fit_labels)
    assert 2.4 < temperature < 3.6
    new_logits, new_labels = _synthetic(4000, 2, sharpness=3.0)
    raw = [1 / (1 + math.exp(-z)) for z in new_logits]
    scaled = [1 / (1 + math.exp(-z / temperature)) for z in new_logits]
    assert ece(scaled, new_labels) < 0.03
    assert ece(scaled, new_labels) < ece(raw, new_labels)


def test_ece_of_perfect_and_wrong_confidence() -> None:
    assert ece([1.0, 1.0, 0.0, 0.0], [1.0, 1.0, 0.0, 0.0]) == 0.0
    assert ece([0.95, 0.95], [0.0, 0.0]) == pytest.approx(0.95)


def test_micro_counts_missed_gold_codes() -> None:
    notes = [Note("a", "", frozenset({"I10", "E11.9"}), "outpatient", False)]
    rows = Rows([[0.0]] * 2, [1.0, 0.0], [0, 0], [0.9, 0.9], ["I10", "R05.9"])
    scores = micro(rows, [0.9, 0.2], notes, 0.5)
    assert (scores["precision"], scores["recall"]) == (1.0, 0.5)


def test_features_have_the_declared_length() -> None:
    candidate = Candidate(System.ICD10CM, "I10", [Span(0, 3, "assessment")], "exact:lexicon", 1.0)
    row = features(candidate, note_length=10, description="Essential hypertension", priors={})
    assert len(row) == len(FEATURE_NAMES)


def test_fit_learns_a_separable_signal() -> None:
    rng = random.Random(3)
    rows = Rows([], [], [], [], [])
    for i in range(400):
        label = float(i % 2)
        row = [rng.random() * 0.1 for _ in FEATURE_NAMES]
        row[FEATURE_NAMES.index("match_score")] = label
        rows.features.append(row)
        rows.labels.append(label)
    model = fit(rows, epochs=200, seed=1)
    with torch.no_grad():
        out = model(torch.tensor(rows.features)).squeeze(-1)
    predictions = (out > 0).float().tolist()
    assert sum(p == y for p, y in zip(predictions, rows.labels, strict=True)) / 400 > 0.95


def test_round_trip_and_checksum(tmp_path: Path) -> None:
    import numpy as np

    ranker = Ranker(layers_of(network()), {"I10": 1.0}, 1.5, 0.4, "ranker-test")
    ranker.save(tmp_path, {"metrics": {}})
    loaded = Ranker.load(tmp_path)
    assert (loaded.temperature, loaded.threshold, loaded.version) == (1.5, 0.4, "ranker-test")
    matrix = np.random.default_rng(3).normal(size=(5, len(FEATURE_NAMES))).astype(np.float32)
    assert np.array_equal(loaded.forward(matrix), ranker.forward(matrix))
    (tmp_path / WEIGHTS).write_bytes((tmp_path / WEIGHTS).read_bytes() + b"x")
    with pytest.raises(ModelArtifactError, match="checksum"):
        Ranker.load(tmp_path)


def test_missing_artifact_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ModelArtifactError):
        Ranker.load(tmp_path)


@pytest.mark.skipif(not (ARTIFACT_DIR / MANIFEST).is_file(), reason="no trained ranker shipped")
def test_shipped_ranker_is_calibrated_on_held_out_notes() -> None:
    manifest: dict[str, Any] = json.loads((ARTIFACT_DIR / MANIFEST).read_text())
    metrics = manifest["metrics"]
    # ~400 held-out candidates: ECE carries about +-0.02 of sampling noise
    assert metrics["heldout_ece"] <= 0.08
    assert metrics["heldout_ece"] <= metrics["heldout_ece_uncalibrated"] + 1e-9
    assert metrics["dev_ece"] <= 0.08
    assert set(manifest["training_data"]) >= {"codiesp_train_sha256"}
    assert (ARTIFACT_DIR / WEIGHTS).stat().st_size < 500_000
    Ranker.load(ARTIFACT_DIR)


def test_isotonic_map_is_monotone_and_calibrates() -> None:
    from models.training import fit_isotonic

    rng = random.Random(5)
    probs = [rng.random() for _ in range(3000)]
    labels = [1.0 if rng.random() < p**2 else 0.0 for p in probs]  # true frequency p^2
    xs, ys = fit_isotonic(probs[:1500], labels[:1500])
    assert ys == sorted(ys) and xs == sorted(xs)
    import numpy as np

    mapped = [float(v) for v in np.interp(probs[1500:], xs, ys)]
    assert ece(mapped, labels[1500:]) < ece(probs[1500:], labels[1500:])
    assert ece(mapped, labels[1500:]) < 0.05


def test_numpy_scoring_matches_the_torch_network() -> None:
    import numpy as np

    torch.manual_seed(7)
    model = network()
    ranker = Ranker(layers_of(model), {}, 1.0, 0.5, "ranker-test")
    matrix = np.random.default_rng(7).normal(size=(12, len(FEATURE_NAMES))).astype(np.float32)
    expected = network_logits(model, matrix.tolist())
    assert np.allclose(ranker.forward(matrix), expected, rtol=1e-5, atol=1e-6)
    # the NumPy layers are views of the parameters: a training step in place is seen at once
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.mul_(-0.5)
    changed = network_logits(model, matrix.tolist())
    assert not np.allclose(changed, expected)
    assert np.allclose(ranker.forward(matrix), changed, rtol=1e-5, atol=1e-6)


def test_a_layer_numpy_cannot_score_is_a_clear_error() -> None:
    with pytest.raises(ModelArtifactError, match="Tanh"):
        layers_of(torch.nn.Sequential(torch.nn.Tanh()))


def test_an_artifact_that_does_not_fit_the_features_is_refused(tmp_path: Path) -> None:
    narrow = torch.nn.Sequential(torch.nn.Linear(5, 4), torch.nn.ReLU(), torch.nn.Linear(4, 1))
    Ranker(layers_of(narrow), {}, 1.0, 0.5, "ranker-test").save(tmp_path, {"metrics": {}})
    with pytest.raises(ModelArtifactError, match="does not fit"):
        Ranker.load(tmp_path)
    manifest = json.loads((tmp_path / MANIFEST).read_text())
    del manifest["layers"]
    (tmp_path / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(ModelArtifactError, match="no layers"):
        Ranker.load(tmp_path)


def test_scoring_never_imports_torch() -> None:
    # serving loads the ranker and the pipeline without torch (start-up time and memory)
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from models.ranker import Ranker\n"
        "import nlp.pipeline\n"
        "Ranker.load()\n"
        "assert 'torch' not in sys.modules, 'torch was imported'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
