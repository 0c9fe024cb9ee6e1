"""The service: API, persistence of runs and decisions, the coder web client, and the CLI."""
