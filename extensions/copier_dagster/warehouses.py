"""What each warehouse means for each tool: plain data the templates loop over.

The rendered project has two environments, switched by one variable (``<PKG>_ENV``): ``local``
is always the DuckDB file inside the project, ``prod`` is the warehouse answered to the
``warehouse`` question. For that prod warehouse, ``WAREHOUSES`` says which Dagster resource the
Python assets use, which dlt destination, Sling connection type and dbt adapter the tools use, and
which environment variable each of their fields reads. The templates show the code they render
(``warehouse.py.jinja``, ``resources.py.jinja``, ``profiles.yml.jinja``): here are only names.

Variables are named by their suffix: ``POSTGRES_HOST`` is ``<PKG>_POSTGRES_HOST`` in the project;
a name in ``SHARED_VARIABLES`` is used as it is. Each tool's ``fields`` map a field to the
variable it reads, ``values`` hold fixed values; dlt's ``credentials`` are one variable or a
mapping of fields to variables, its ``options`` more arguments read from variables.
"""

from __future__ import annotations

from typing import Any

DEFAULT = "duckdb"

# Variables with a name of their own, not prefixed with the package's.
SHARED_VARIABLES = ("GOOGLE_APPLICATION_CREDENTIALS",)

# PostgreSQL's connection fields in the project's resource and Sling.
POSTGRES_FIELDS = {
    "host": "POSTGRES_HOST",
    "port": "POSTGRES_PORT",
    "user": "POSTGRES_USER",
    "password": "POSTGRES_PASSWORD",
    "database": "POSTGRES_DATABASE",
}

# Snowflake's connection fields have the same names in its Dagster resource, Sling and dbt.
SNOWFLAKE_FIELDS = {
    "account": "SNOWFLAKE_ACCOUNT",
    "user": "SNOWFLAKE_USER",
    "password": "SNOWFLAKE_PASSWORD",
    "role": "SNOWFLAKE_ROLE",
    "warehouse": "SNOWFLAKE_WAREHOUSE",
    "database": "SNOWFLAKE_DATABASE",
}

WAREHOUSES: dict[str, dict[str, Any]] = {
    "duckdb": {
        "label": "DuckDB",
        # Said in the rendered README ({variable} is the prod variable's name).
        "readme": (
            "Prod on DuckDB is a DuckDB file on the machine (or volume) prod runs on, named by\n"
            "`{variable}`: a variable apart from the local file's, so a copied `.env`\n"
            "never points prod at a laptop's database. (MotherDuck would be a second warehouse, "
            "below:\nits `md:` paths need the MotherDuck extension, a download, and a token.)"
        ),
        "variables": {
            "DUCKDB_PROD_DATABASE": {
                "help": "the DuckDB database file of prod, an absolute path",
                "example": "/srv/warehouse/prod.duckdb",
            },
        },
        # The Dagster resource Python assets use (warehouse.py).
        "resource": {
            "module": "dagster_duckdb",
            "class": "DuckDBResource",
            "fields": {"database": "DUCKDB_PROD_DATABASE"},
        },
        # The DB-API parameter marker of its Python driver (warehouse.py).
        "placeholder": "?",
        "text_type": "VARCHAR",
        "dlt": {"destination": "duckdb", "credentials": "DUCKDB_PROD_DATABASE"},
        "sling": {
            "type": "duckdb",
            "fields": {"instance": "DUCKDB_PROD_DATABASE"},
            "values": {"copy_method": "csv_files"},
        },
        "dbt": {
            "adapter": "dbt-duckdb",
            "type": "duckdb",
            "fields": {"path": "DUCKDB_PROD_DATABASE"},
            # keep_open: false (dbt-duckdb keeps the file open by default): dagster-dbt reads row
            # counts and columns in the run's process, whose next steps open the file themselves.
            "values": {"threads": 1, "keep_open": "false"},
        },
        "packages": {"base": (), "dlt": (), "sling": (), "dbt": ()},
    },
    "postgres": {
        "label": "PostgreSQL",
        "variables": {
            "POSTGRES_HOST": {
                "help": "the PostgreSQL server's host name",
                "example": "db.internal",
            },
            "POSTGRES_PORT": {"help": "its port", "example": "5432"},
            "POSTGRES_USER": {"help": "the user the pipeline runs as", "example": "dagster"},
            "POSTGRES_PASSWORD": {"help": "that user's password", "secret": True},
            "POSTGRES_DATABASE": {
                "help": "the database holding the schemas",
                "example": "analytics",
            },
        },
        # No Dagster library has a plain PostgreSQL resource: warehouse.py has a small one.
        "resource": {
            "module": None,
            "class": "PostgresResource",
            "fields": POSTGRES_FIELDS,
        },
        "placeholder": "%s",
        "text_type": "VARCHAR",
        "dlt": {
            "destination": "postgres",
            "credentials": {
                "host": "POSTGRES_HOST",
                "port": "POSTGRES_PORT",
                "username": "POSTGRES_USER",
                "password": "POSTGRES_PASSWORD",
                "database": "POSTGRES_DATABASE",
            },
        },
        "sling": {"type": "postgres", "fields": POSTGRES_FIELDS, "values": {}},
        "dbt": {
            "adapter": "dbt-postgres",
            "type": "postgres",
            "fields": {
                "host": "POSTGRES_HOST",
                "port": "POSTGRES_PORT",
                "user": "POSTGRES_USER",
                "password": "POSTGRES_PASSWORD",
                "dbname": "POSTGRES_DATABASE",
            },
            # Fields dbt reads as numbers (env_var gives text).
            "numbers": ("port",),
            "values": {"schema": "public", "threads": 4},
        },
        "packages": {
            "base": ("psycopg2-binary",),
            "dlt": (),
            "sling": (),
            "dbt": ("dbt-postgres",),
        },
    },
    "snowflake": {
        "label": "Snowflake",
        "variables": {
            "SNOWFLAKE_ACCOUNT": {"help": "the account identifier", "example": "myorg-myaccount"},
            "SNOWFLAKE_USER": {"help": "the user the pipeline runs as", "example": "DAGSTER"},
            "SNOWFLAKE_PASSWORD": {"help": "that user's password", "secret": True},
            "SNOWFLAKE_ROLE": {"help": "the role it uses", "example": "TRANSFORMER"},
            "SNOWFLAKE_WAREHOUSE": {
                "help": "the virtual warehouse queries run on",
                "example": "COMPUTE_WH",
            },
            "SNOWFLAKE_DATABASE": {
                "help": "the database holding the schemas",
                "example": "ANALYTICS",
            },
        },
        "resource": {
            "module": "dagster_snowflake",
            "class": "SnowflakeResource",
            "fields": SNOWFLAKE_FIELDS,
        },
        "placeholder": "%s",
        "text_type": "VARCHAR",
        "dlt": {
            "destination": "snowflake",
            "credentials": {
                "host": "SNOWFLAKE_ACCOUNT",
                "username": "SNOWFLAKE_USER",
                "password": "SNOWFLAKE_PASSWORD",
                "role": "SNOWFLAKE_ROLE",
                "warehouse": "SNOWFLAKE_WAREHOUSE",
                "database": "SNOWFLAKE_DATABASE",
            },
        },
        "sling": {"type": "snowflake", "fields": SNOWFLAKE_FIELDS, "values": {}},
        "dbt": {
            "adapter": "dbt-snowflake",
            "type": "snowflake",
            "fields": SNOWFLAKE_FIELDS,
            "values": {"schema": "PUBLIC", "threads": 4},
        },
        "packages": {
            "base": ("dagster-snowflake",),
            "dlt": (),
            "sling": (),
            "dbt": ("dbt-snowflake",),
        },
    },
    "bigquery": {
        "label": "BigQuery",
        "variables": {
            "BIGQUERY_PROJECT": {"help": "the Google Cloud project", "example": "my-project"},
            "BIGQUERY_LOCATION": {"help": "the location of its datasets", "example": "EU"},
            "GOOGLE_APPLICATION_CREDENTIALS": {
                "help": "the service account's JSON key file (every Google library reads it)",
                "example": "/secrets/bigquery-key.json",
            },
        },
        # Credentials: Application Default Credentials, i.e. GOOGLE_APPLICATION_CREDENTIALS.
        # warehouse.py adds a DB-API connection to it, as the other warehouses have.
        "resource": {
            "module": "dagster_gcp",
            "class": "BigQueryResource",
            "fields": {"project": "BIGQUERY_PROJECT", "location": "BIGQUERY_LOCATION"},
        },
        "placeholder": "%s",
        # BigQuery has no VARCHAR.
        "text_type": "STRING",
        "dlt": {
            "destination": "bigquery",
            "credentials": {"project_id": "BIGQUERY_PROJECT"},
            "options": {"location": "BIGQUERY_LOCATION"},
        },
        "sling": {
            "type": "bigquery",
            "fields": {
                "project": "BIGQUERY_PROJECT",
                "location": "BIGQUERY_LOCATION",
                "key_file": "GOOGLE_APPLICATION_CREDENTIALS",
            },
            "values": {"dataset": "raw"},
        },
        "dbt": {
            "adapter": "dbt-bigquery",
            "type": "bigquery",
            "fields": {
                "keyfile": "GOOGLE_APPLICATION_CREDENTIALS",
                "project": "BIGQUERY_PROJECT",
                "location": "BIGQUERY_LOCATION",
            },
            "values": {"method": "service-account", "dataset": "staging", "threads": 4},
        },
        "packages": {
            "base": ("dagster-gcp",),
            "dlt": (),
            "sling": (),
            "dbt": ("dbt-bigquery",),
        },
    },
}


def choice(answers: dict[str, Any]) -> str:
    """The answered warehouse, or the default while it is unanswered or being refused."""
    warehouse = answers.get("warehouse")
    return warehouse if warehouse in WAREHOUSES else DEFAULT


def packages(warehouse: str, tools: set[str]) -> set[str]:
    """What the prod warehouse adds to the dependencies of a project with ``tools``."""
    table = WAREHOUSES[warehouse]["packages"]
    return set(table["base"]).union(*(table[tool] for tool in tools))


def dlt_extras(warehouse: str) -> list[str]:
    """dlt's extras: DuckDB for local, plus the prod warehouse's destination."""
    return sorted({"duckdb", WAREHOUSES[warehouse]["dlt"]["destination"]})


def variable(suffix: str, prefix: str) -> str:
    """The environment variable a suffix of the table names in a project with ``prefix``."""
    return suffix if suffix in SHARED_VARIABLES else f"{prefix}_{suffix}"


def derive(answers: dict[str, Any], prefix: str) -> dict[str, Any]:
    """The prod warehouse's table, its variables named for this project (``prod.*``)."""
    name = choice(answers)
    table = WAREHOUSES[name]

    def named(fields: dict[str, str]) -> dict[str, str]:
        return {field: variable(suffix, prefix) for field, suffix in fields.items()}

    return {
        "prod": {
            **table,
            "name": name,
            "readme": table.get("readme", "").format(
                variable=variable(next(iter(table["variables"])), prefix)
            ),
            "variables": [
                {
                    "name": variable(suffix, prefix),
                    "help": spec["help"],
                    "example": spec.get("example", ""),
                    "secret": spec.get("secret", False),
                }
                for suffix, spec in table["variables"].items()
            ],
            "resource": {**table["resource"], "fields": named(table["resource"]["fields"])},
            "dlt": {
                **table["dlt"],
                "credentials": variable(credentials, prefix)
                if isinstance(credentials := table["dlt"]["credentials"], str)
                else named(credentials),
                "options": named(table["dlt"].get("options", {})),
            },
            "sling": {**table["sling"], "fields": named(table["sling"]["fields"])},
            "dbt": {**table["dbt"], "fields": named(table["dbt"]["fields"])},
        },
    }
