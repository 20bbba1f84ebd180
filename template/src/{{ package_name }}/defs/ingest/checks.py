"""Checks on the raw tables, whichever tool loads them: rows landed, and the key is a key."""

from ...conventions import raw_checks

customers_checks = raw_checks("customers", key="customer_id")
orders_checks = raw_checks("orders", key="order_id")
