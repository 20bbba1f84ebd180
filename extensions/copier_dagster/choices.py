"""The values of copier.yml's choice questions, once for the template's Python: the context,
the organization's defaults and the tests read them here (tests/test_extensions.py checks that
copier.yml offers exactly these)."""

from __future__ import annotations

ETL_TOOLS = ("dlt", "sling", "dbt")
WAREHOUSES = ("duckdb", "postgres", "snowflake", "bigquery")
INTEGRATION_STYLES = ("pythonic", "components")
AUTOMATION_STYLES = ("declarative", "schedules", "sensors")
PARTITIONINGS = ("daily", "weekly", "monthly", "none")
CI_PROVIDERS = ("github", "gitlab", "none")
DEPLOYMENTS = ("none", "docker-compose", "kubernetes", "dagster-plus")

QUESTIONS = {
    "etl_tools": ETL_TOOLS,
    "warehouse": WAREHOUSES,
    "integration_style": INTEGRATION_STYLES,
    "automation_style": AUTOMATION_STYLES,
    "partitioning": PARTITIONINGS,
    "ci_provider": CI_PROVIDERS,
    "deployment": DEPLOYMENTS,
}
