"""The learned ranker: a small torch network over candidate features, temperature-calibrated.

The artifact (``models/artifacts/ranker/``) holds the weights, the code priors, the calibration
temperature, the decision threshold and a manifest with training-data checksums and metrics; the
manifest's sha256 of the weights file is checked on load.

The network is trained with torch but scored in NumPy: a note's few candidates through two small
layers. A torch call started torch's OpenMP pool in whichever thread called it, one busy thread
per core that kept spinning after each note: in the service's request threads a note cost 13.1 ms
of CPU against 6.2 ms (251 notes, identical results). NumPy's products this small stay on the
calling thread.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import torch
from numpy.typing import NDArray
from torch import nn

from codesets.model import System
from models.candidate import Candidate
from models.codebook import CodeBook
from models.errors import ModelArtifactError
from models.features import FEATURE_NAMES, features
from models.output import rule_confidence

ARTIFACT_DIR = Path(__file__).resolve().parent / "artifacts" / "ranker"
WEIGHTS = "weights.pt"
MANIFEST = "manifest.json"


def network(width: int = 32) -> nn.Module:
    """The ranker's architecture: features -> hidden layer -> one logit."""
    return nn.Sequential(nn.Linear(len(FEATURE_NAMES), width), nn.ReLU(), nn.Linear(width, 1))


def sha256(path: Path) -> str:
    """The hex sha256 of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass
class Ranker:
    """Scores candidates with calibrated probabilities."""

    model: nn.Module
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

    def logits(self, matrix: torch.Tensor) -> torch.Tensor:
        """Raw logits (before temperature), with torch (training)."""
        with torch.no_grad():
            out: torch.Tensor = self.model(matrix).squeeze(-1)
        return out

    def forward(self, matrix: NDArray[np.float32]) -> NDArray[np.float32]:
        """Raw logits (before temperature), with NumPy: the network's layers in order."""
        x = matrix
        for layer in self._numpy_layers:
            x = np.maximum(x, np.float32(0.0)) if layer is None else x @ layer[0] + layer[1]
        result: NDArray[np.float32] = x.reshape(-1)
        return result

    @cached_property
    def _numpy_layers(self) -> list[tuple[NDArray[np.float32], NDArray[np.float32]] | None]:
        # each Linear as (weight transposed, bias), None for a ReLU; NumPy views of the
        # parameters share their memory, so an optimizer step (in place) is seen here too, and
        # asking torch for them once, not per note, saves its per-call overhead
        layers: list[tuple[NDArray[np.float32], NDArray[np.float32]] | None] = []
        for layer in self.model.children():
            if isinstance(layer, nn.Linear):
                layers.append((layer.weight.detach().numpy().T, layer.bias.detach().numpy()))
            elif isinstance(layer, nn.ReLU):
                layers.append(None)
            else:
                raise ModelArtifactError(f"the ranker cannot score a {type(layer).__name__} layer")
        return layers

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
        """Write the weights and a manifest (with the weights' checksum)."""
        directory.mkdir(parents=True, exist_ok=True)
        torch.save(self.model.state_dict(), directory / WEIGHTS)
        body = {
            **manifest,
            "version": self.version,
            "temperature": self.temperature,
            "threshold": self.threshold,
            "features": list(FEATURE_NAMES),
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
        model = network(int(manifest.get("width", 32)))
        model.load_state_dict(torch.load(weights, weights_only=True))
        model.eval()
        knots = manifest.get("isotonic")
        return cls(
            model,
            dict(manifest["priors"]),
            float(manifest["temperature"]),
            float(manifest["threshold"]),
            str(manifest["version"]),
            codebook,
            (list(knots[0]), list(knots[1])) if knots else None,
        )
