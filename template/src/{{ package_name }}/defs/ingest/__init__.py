"""Ingestion: raw tables loaded as they landed."""
