"""What each warehouse means for each tool: plain data the templates loop over.

The rendered project has two environments, switched by one variable (``<PKG>_ENV``): ``local``
is always the DuckDB file inside the project, ``prod`` is the warehouse answered to the
``warehouse`` question. For that prod warehouse, ``WAREHOUSES`` says which Dagster resource the
Python assets use, which dlt destination, Sling connection type and dbt adapter the tools use, and
which field of its connection each of their fields is. The templates show the code they render
(``settings.py.jinja``, ``warehouse.py.jinja``, ``profiles.yml.jinja``): here are only names.

A warehouse's ``connection`` is the one place its variables are named: each field of the prod
connection, the environment variable it is read from, and what ``.env.example`` and the README
say of it. The project renders it as one mapping, ``settings.PROD_CONNECTION`` (field ->
variable), which the required-variable check, the resource, Sling and dlt read; dbt's profile
names the variables itself and the project's tests check it against that mapping. Variables are
named by their suffix: ``POSTGRES_HOST`` is ``<PKG>_POSTGRES_HOST`` in the project; a name in
``SHARED_VARIABLES`` is used as it is.

Each tool's ``fields`` map the tool's name of a field to the connection's field (``username``:
``user``), ``values`` hold fixed values; dlt's ``credentials`` are one connection field or a
mapping of dlt's fields to them, its ``options`` more arguments read from connection fields.
"""

from __future__ import annotations

from typing import Any

DEFAULT = "duckdb"

# Variables with a name of their own, not prefixed with the package's.
SHARED_VARIABLES = ("GOOGLE_APPLICATION_CREDENTIALS",)

# PostgreSQL's connection fields, read under these names by the project's resource and Sling.
POSTGRES_FIELDS = {field: field for field in ("host", "port", "user", "password", "database")}

# Snowflake's connection fields, read under these names by its Dagster resource, Sling and dbt.
SNOWFLAKE_FIELDS = {
    field: field for field in ("account", "user", "password", "role", "warehouse", "database")
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
        # Prod's connection: each field, the variable it is read from, its words.
        "connection": {
            "database": {
                "variable": "DUCKDB_PROD_DATABASE",
                "help": "the DuckDB database file of prod, an absolute path",
                "example": "/srv/warehouse/prod.duckdb",
            },
        },
        # The Dagster resource Python assets use (warehouse.py).
        "resource": {
            "module": "dagster_duckdb",
            "class": "DuckDBResource",
            "fields": {"database": "database"},
        },
        # The DB-API parameter marker of its Python driver (warehouse.py).
        "placeholder": "?",
        "text_type": "VARCHAR",
        "dlt": {"destination": "duckdb", "credentials": "database"},
        "sling": {
            "type": "duckdb",
            "fields": {"instance": "database"},
            "values": {"copy_method": "csv_files"},
        },
        "dbt": {
            "adapter": "dbt-duckdb",
            "type": "duckdb",
            "fields": {"path": "database"},
            # keep_open: false (dbt-duckdb keeps the file open by default): dagster-dbt reads row
            # counts and columns in the run's process, whose next steps open the file themselves.
            "values": {"threads": 1, "keep_open": "false"},
        },
        "packages": {"base": (), "dlt": (), "sling": (), "dbt": ()},
    },
    "postgres": {
        "label": "PostgreSQL",
        "connection": {
            "host": {
                "variable": "POSTGRES_HOST",
                "help": "the PostgreSQL server's host name",
                "example": "db.internal",
            },
            "port": {"variable": "POSTGRES_PORT", "help": "its port", "example": "5432"},
            "user": {
                "variable": "POSTGRES_USER",
                "help": "the user the pipeline runs as",
                "example": "dagster",
            },
            "password": {
                "variable": "POSTGRES_PASSWORD",
                "help": "that user's password",
                "secret": True,
            },
            "database": {
                "variable": "POSTGRES_DATABASE",
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
                "host": "host",
                "port": "port",
                "username": "user",
                "password": "password",
                "database": "database",
            },
        },
        "sling": {"type": "postgres", "fields": POSTGRES_FIELDS, "values": {}},
        "dbt": {
            "adapter": "dbt-postgres",
            "type": "postgres",
            "fields": {
                "host": "host",
                "port": "port",
                "user": "user",
                "password": "password",
                "dbname": "database",
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
        "connection": {
            "account": {
                "variable": "SNOWFLAKE_ACCOUNT",
                "help": "the account identifier",
                "example": "myorg-myaccount",
            },
            "user": {
                "variable": "SNOWFLAKE_USER",
                "help": "the user the pipeline runs as",
                "example": "DAGSTER",
            },
            "password": {
                "variable": "SNOWFLAKE_PASSWORD",
                "help": "that user's password",
                "secret": True,
            },
            "role": {
                "variable": "SNOWFLAKE_ROLE",
                "help": "the role it uses",
                "example": "TRANSFORMER",
            },
            "warehouse": {
                "variable": "SNOWFLAKE_WAREHOUSE",
                "help": "the virtual warehouse queries run on",
                "example": "COMPUTE_WH",
            },
            "database": {
                "variable": "SNOWFLAKE_DATABASE",
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
                "host": "account",
                "username": "user",
                "password": "password",
                "role": "role",
                "warehouse": "warehouse",
                "database": "database",
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
        "connection": {
            "project": {
                "variable": "BIGQUERY_PROJECT",
                "help": "the Google Cloud project",
                "example": "my-project",
            },
            "location": {
                "variable": "BIGQUERY_LOCATION",
                "help": "the location of its datasets",
                "example": "EU",
            },
            "key_file": {
                "variable": "GOOGLE_APPLICATION_CREDENTIALS",
                "help": "the service account's JSON key file (every Google library reads it)",
                "example": "/secrets/bigquery-key.json",
            },
        },
        # Credentials: Application Default Credentials, i.e. GOOGLE_APPLICATION_CREDENTIALS.
        # warehouse.py adds a DB-API connection to it, as the other warehouses have.
        "resource": {
            "module": "dagster_gcp",
            "class": "BigQueryResource",
            "fields": {"project": "project", "location": "location"},
        },
        "placeholder": "%s",
        # BigQuery has no VARCHAR.
        "text_type": "STRING",
        "dlt": {
            "destination": "bigquery",
            "credentials": {"project_id": "project"},
            "options": {"location": "location"},
        },
        "sling": {
            "type": "bigquery",
            "fields": {"project": "project", "location": "location", "key_file": "key_file"},
            "values": {"dataset": "raw"},
        },
        "dbt": {
            "adapter": "dbt-bigquery",
            "type": "bigquery",
            "fields": {"keyfile": "key_file", "project": "project", "location": "location"},
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
    """The prod warehouse's table, its variables named for this project (``prod.*``):
    ``prod.connection`` maps each connection field to its variable, ``prod.variables`` lists
    them with their words."""
    name = choice(answers)
    table = WAREHOUSES[name]
    connection = {
        field: variable(spec["variable"], prefix) for field, spec in table["connection"].items()
    }
    return {
        "prod": {
            **table,
            "name": name,
            "readme": table.get("readme", "").format(variable=next(iter(connection.values()))),
            "connection": connection,
            "variables": [
                {
                    "name": connection[field],
                    "help": spec["help"],
                    "example": spec.get("example", ""),
                    "secret": spec.get("secret", False),
                }
                for field, spec in table["connection"].items()
            ],
            "dlt": {**table["dlt"], "options": table["dlt"].get("options", {})},
        },
    }
