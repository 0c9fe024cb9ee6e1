"""Batch coding: notes in, suggestions as Parquet out, on one process or on Apache Spark."""
