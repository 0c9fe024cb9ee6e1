"""Notes per second of ``ClinicalPipeline`` against medSpaCy's default pipeline, same notes.

``python -m nlp.speed DIR`` reads every ``*.txt`` of DIR (for example CodiEsp's
``text_files_en``), warms each pipeline up, then times ``ClinicalPipeline.process``,
``medspacy.load()`` and plain spaCy tokenization (``spacy.blank("en").make_doc``) over all the
notes in one process, best of ``--repeat`` runs, and prints the three rates, their ratios and our
time per stage.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click


def _rate(run: Callable[[str], Any], texts: list[str], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        for text in texts:
            run(text)
        best = min(best, time.perf_counter() - started)
    return len(texts) / best


def measure(texts: list[str], repeat: int = 2) -> dict[str, Any]:
    """The three rates (notes/s), their ratios and our mean milliseconds per stage."""
    import medspacy
    import spacy
    from loguru import logger

    # PyRuSH logs every token at DEBUG through loguru; silenced so medSpaCy is timed, not stderr
    logger.disable("PyRuSH")

    from nlp.pipeline import ClinicalPipeline

    ours = ClinicalPipeline()
    default = medspacy.load()
    blank = spacy.blank("en")
    for text in texts[:5]:
        ours.process(text)
        default(text)
    tokenization = _rate(blank.make_doc, texts, repeat)
    medspacy_rate = _rate(default, texts, repeat)
    our_rate = _rate(ours.process, texts, repeat)
    stages: dict[str, float] = {}
    for text in texts:
        timings = ours.process(text).timings
        for name in (
            "tokenize",
            "sections",
            "sentences",
            "abbreviations",
            "mentions",
            "assertions",
        ):
            stages[name] = stages.get(name, 0.0) + getattr(timings, name) / len(texts)
    return {
        "notes": len(texts),
        "characters": sum(map(len, texts)),
        "clinical_pipeline_notes_per_s": round(our_rate, 1),
        "medspacy_default_notes_per_s": round(medspacy_rate, 1),
        "spacy_tokenization_notes_per_s": round(tokenization, 1),
        "speedup_over_medspacy": round(our_rate / medspacy_rate, 2),
        "time_vs_tokenization": round(tokenization / our_rate, 2),
        "medspacy_default_pipes": list(default.pipe_names),
        "stage_ms_per_note": {k: round(v, 2) for k, v in stages.items()},
    }


@click.command("nlp-speed")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--repeat", default=2, show_default=True, help="Timed runs; the best counts.")
def speed_command(folder: Path, repeat: int) -> None:
    """Compare notes/second with medSpaCy's default pipeline on the notes of FOLDER."""
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in sorted(folder.glob("*.txt"))]
    if not texts:
        raise click.UsageError(f"no .txt notes in {folder.name}")
    click.echo(json.dumps(measure(texts, repeat), indent=2))


if __name__ == "__main__":
    speed_command()
