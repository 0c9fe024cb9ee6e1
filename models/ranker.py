"""The learned ranker: a small network over candidate features, temperature-calibrated.

The artifact (``models/artifacts/ranker/``) holds the network's layers as NumPy arrays
(``weights.npz``), the code priors, the calibration temperature, the decision threshold and a
manifest with training-data checksums and metrics; the manifest's sha256 of the weights file is
checked on load.

The network is trained with torch (``models.training``) but scored in NumPy: a note's few
candidates through two small layers. Serving never imports torch:
- a torch call started torch's OpenMP pool in whichever thread called it, one busy thread per
  core that kept spinning after each note (in the service's request threads a note cost 13.1 ms
  of CPU against 6.2 ms, 251 notes, identical results);
- importing torch took 1.8-2.8 s of every start-up and about 190 MB of each process.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from codesets.model import System
from models.candidate import Candidate
from models.codebook import CodeBook
from models.errors import ModelArtifactError
from models.features import FEATURE_NAMES, features
from models.output import rule_confidence

ARTIFACT_DIR = Path(__file__).resolve().parent / "artifacts" / "ranker"
WEIGHTS = "weights.npz"
MANIFEST = "manifest.json"
# A linear layer as (weight transposed, bias), in the order the network applies them; None for
# a ReLU between them.
Layer = tuple[NDArray[np.float32], NDArray[np.float32]] | None


def sha256(path: Path) -> str:
    """The hex sha256 of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass
class Ranker:
    """Scores candidates with calibrated probabilities."""

    layers: list[Layer]
    priors: dict[str, float]
    temperature: float
    threshold: float
    version: str
    codebook: CodeBook | None = None
    # isotonic map from temperature-scaled probability to calibrated probability (x, y knots)
    isotonic: tuple[list[float], list[float]] | None = None

    def calibrate(self, logits: Sequence[float]) -> list[float]:
        """Calibrated probabilities: temperature scaling, then the isotonic map when fitted."""
        scaled = [1 / (1 + math.exp(-max(-60.0, min(60.0, z / self.temperature)))) for z in logits]
        if self.isotonic is None:
            return scaled
        xs, ys = self.isotonic
        return [float(v) for v in np.interp(scaled, xs, ys)]

    def matrix(self, candidates: Sequence[Candidate], note: str) -> NDArray[np.float32]:
        """The feature matrix of ``candidates``."""
        rows = []
        for candidate in candidates:
            record = self.codebook.get(candidate.system, candidate.code) if self.codebook else None
            rows.append(
                features(
                    candidate,
                    note_length=len(note),
                    description=record.description if record else "",
                    priors=self.priors,
                )
            )
        return np.asarray(rows, dtype=np.float32).reshape(len(rows), len(FEATURE_NAMES))

    def forward(self, matrix: NDArray[np.float32]) -> NDArray[np.float32]:
        """Raw logits (before temperature): the network's layers in order."""
        x = matrix
        for layer in self.layers:
            x = np.maximum(x, np.float32(0.0)) if layer is None else x @ layer[0] + layer[1]
        result: NDArray[np.float32] = x.reshape(-1)
        return result

    def score(self, candidates: Sequence[Candidate], note: str) -> list[float]:
        """Calibrated probability that each candidate is right (rule confidence for CPT/HCPCS)."""
        icd = [i for i, c in enumerate(candidates) if c.system is System.ICD10CM]
        scores = [rule_confidence(c) for c in candidates]
        if icd:
            matrix = self.matrix([candidates[i] for i in icd], note)
            probabilities = self.calibrate(self.forward(matrix).tolist())
            for index, probability in zip(icd, probabilities, strict=True):
                scores[index] = float(probability)
        return scores

    def save(self, directory: Path, manifest: dict[str, object]) -> None:
        """Write the layers and a manifest (with the weights' checksum)."""
        directory.mkdir(parents=True, exist_ok=True)
        arrays: dict[str, NDArray[np.float32]] = {}
        for k, layer in enumerate(self.layers):
            if layer is not None:
                arrays[f"{k}.weight"], arrays[f"{k}.bias"] = layer[0].T, layer[1]
        np.savez(directory / WEIGHTS, **arrays)
        body = {
            **manifest,
            "version": self.version,
            "temperature": self.temperature,
            "threshold": self.threshold,
            "features": list(FEATURE_NAMES),
            "layers": ["relu" if layer is None else "linear" for layer in self.layers],
            "weights_sha256": sha256(directory / WEIGHTS),
            "priors": self.priors,
            "isotonic": list(self.isotonic) if self.isotonic else None,
        }
        (directory / MANIFEST).write_text(json.dumps(body, indent=1, sort_keys=True) + "\n")

    @classmethod
    def load(cls, directory: Path = ARTIFACT_DIR, codebook: CodeBook | None = None) -> Ranker:
        """Load and verify an artifact; raises ``ModelArtifactError``."""
        try:
            manifest = json.loads((directory / MANIFEST).read_text())
        except (OSError, ValueError) as error:
            raise ModelArtifactError(f"ranker manifest unreadable in {directory}") from error
        if manifest.get("features") != list(FEATURE_NAMES):
            raise ModelArtifactError("ranker artifact was trained on other features; retrain")
        weights = directory / WEIGHTS
        if not weights.is_file() or sha256(weights) != manifest.get("weights_sha256"):
            raise ModelArtifactError("ranker weights missing or checksum mismatch; retrain")
        layers = _read_layers(weights, manifest.get("layers"))
        knots = manifest.get("isotonic")
        return cls(
            layers,
            dict(manifest["priors"]),
            float(manifest["temperature"]),
            float(manifest["threshold"]),
            str(manifest["version"]),
            codebook,
            (list(knots[0]), list(knots[1])) if knots else None,
        )


def _read_layers(weights: Path, kinds: object) -> list[Layer]:
    if not isinstance(kinds, list) or not kinds:
        raise ModelArtifactError("ranker manifest names no layers; retrain")
    layers: list[Layer] = []
    width = len(FEATURE_NAMES)
    try:
        with np.load(weights, allow_pickle=False) as arrays:
            for k, kind in enumerate(kinds):
                if kind == "relu":
                    layers.append(None)
                    continue
                if kind != "linear":
                    raise ModelArtifactError(f"the ranker cannot score a {kind!r} layer")
                weight, bias = arrays[f"{k}.weight"], arrays[f"{k}.bias"]
                if weight.ndim != 2 or weight.shape[1] != width or bias.shape != weight.shape[:1]:
                    raise ModelArtifactError(f"ranker layer {k} does not fit its input; retrain")
                layers.append((weight.astype(np.float32).T, bias.astype(np.float32)))
                width = weight.shape[0]
    except (OSError, KeyError, ValueError) as error:
        raise ModelArtifactError("ranker weights unreadable; retrain") from error
    if width != 1:
        raise ModelArtifactError("the ranker's last layer must give one logit; retrain")
    return layers
