"""Transformation: staging views of the raw tables, and the marts built on them."""
