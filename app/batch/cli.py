"""``cac batch``: code a file or directory of notes into Parquet suggestions (local or Spark)."""

from __future__ import annotations

from pathlib import Path

import click

from app.batch.sources import detect_format, is_local, local_path


@click.command("batch")
@click.option(
    "--input", "source", required=True, help="JSONL or Parquet rows {id, text, metadata}."
)
@click.option("--output", required=True, help="Directory for suggestions/, notes/, errors/.")
@click.option("--engine", type=click.Choice(["local", "spark"]), default="local", show_default=True)
@click.option("--master", default=None, help="Spark master URL (default: spark-submit's or local).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["auto", "jsonl", "parquet"]),
    default="auto",
    show_default=True,
)
@click.option("--partitions", type=click.IntRange(min=1), default=None, help="Spark partitions.")
@click.option("--overwrite", is_flag=True, help="Replace earlier results in --output.")
@click.option("--no-progress", is_flag=True, help="No progress bar (local engine).")
def batch(
    source: str,
    output: str,
    engine: str,
    master: str | None,
    fmt: str,
    partitions: int | None,
    overwrite: bool,
    no_progress: bool,
) -> None:
    """Code every note of --input; prints a JSON summary (rows in = notes coded + errors)."""
    input_format = detect_format(source, fmt)
    if engine == "local":
        from app.batch.local import run_local

        if not (is_local(source) and is_local(output)):
            raise click.UsageError("--engine local reads and writes local paths only")
        summary = run_local(
            local_path(source),
            Path(local_path(output)),
            fmt=input_format,
            overwrite=overwrite,
            progress=not no_progress,
        )
    else:
        from app.batch.spark import run_spark, spark_session

        spark = spark_session(master)
        try:
            summary = run_spark(
                spark, source, output, fmt=input_format, overwrite=overwrite, partitions=partitions
            )
        finally:
            spark.stop()
    click.echo(summary.to_json())
