"""Dagster code location: `definitions.py` loads everything under `defs/`."""
