"""The ``cac`` command: one entry point whose subcommands live next to the code they drive.

Subcommands are imported only when they run, so ``cac --help`` and light commands stay fast
(loading spaCy or torch takes seconds).
"""

from __future__ import annotations

import importlib
import sys

import click

from codesets.errors import CACError

# name -> "module:attribute" of a click command or group
_COMMANDS: dict[str, tuple[str, str]] = {
    "audit": ("app.audit_cli:audit_group", "Export the append-only audit log (JSONL or CSV)."),
    "batch": ("app.batch.cli:batch", "Code JSONL/Parquet notes into Parquet, locally or on Spark."),
    "bench": ("evaluation.bench.cli:bench", "Benchmark speed, latency and memory, with anchors."),
    "code": ("models.cli:code_command", "Suggest codes for one note (for human review)."),
    "codes": ("codesets.cli:codes", "Look up and search codes; list code-set versions."),
    "codesets": ("codesets.cli:codesets_group", "Convert source files and build the cache."),
    "nlp": ("nlp.cli:nlp_command", "Read a note: sections, sentences, mentions, assertions."),
    "eval": ("evaluation.cli:eval_group", "Score the coder against gold charts; compare runs."),
    "keys": ("app.keys_cli:keys_group", "Create, list and revoke API keys."),
    "serve": ("app.serve:serve_command", "Run the API service and web client."),
    "embed": ("models.cli:embed_command", "Precompute code-name embeddings (set-up)."),
    "train": ("models.cli:train_command", "Train and calibrate the code ranker."),
}


class _LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *_COMMANDS])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in _COMMANDS:
            return super().get_command(ctx, cmd_name)
        module_name, attribute = _COMMANDS[cmd_name][0].split(":")
        command = getattr(importlib.import_module(module_name), attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{module_name}:{attribute} is not a click command")
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, _COMMANDS[name][1]) for name in sorted(_COMMANDS)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=_LazyGroup)
@click.version_option(package_name="cac")
def cli() -> None:
    """Clinical computer-assisted coding: suggestions are always for human review."""


def main() -> None:
    """Run ``cac``; a product error prints one clear line on stderr and exits 2."""
    try:
        cli.main(prog_name="cac")
    except CACError as error:
        click.echo(f"error: {error.message}", err=True)
        sys.exit(2)
