"""The evaluation harness: gold-coded charts, metrics, reports and run comparison (``cac eval``)."""
