"""What each warehouse means for each tool: the one table the templates look values up in.

The rendered project has two environments, switched by one variable (``<PKG>_ENV``): ``local``
is always the DuckDB file inside the project, ``prod`` is the warehouse answered to the
``warehouse`` question. For that prod warehouse, ``WAREHOUSES`` says which Dagster resource the
Python assets use, which dlt destination, Sling connection type and dbt adapter the tools use,
which fields each reads, and the environment variables behind those fields.

Field values name variables by their suffix: ``"$POSTGRES_HOST"`` is the variable
``<PKG>_POSTGRES_HOST`` (``settings.POSTGRES_HOST`` in the project), ``"$int:POSTGRES_PORT"`` the
same read as an integer; anything else is a literal. A name in ``SHARED_VARIABLES`` is used as is
(``GOOGLE_APPLICATION_CREDENTIALS`` is read by every Google library itself).
"""

from __future__ import annotations

from typing import Any

DEFAULT = "duckdb"

# Variables with a name of their own, not prefixed with the package's.
SHARED_VARIABLES = ("GOOGLE_APPLICATION_CREDENTIALS",)

# Snowflake's connection fields have the same names in its Dagster resource, Sling and dbt.
SNOWFLAKE_FIELDS = {
    "account": "$SNOWFLAKE_ACCOUNT",
    "user": "$SNOWFLAKE_USER",
    "password": "$SNOWFLAKE_PASSWORD",
    "role": "$SNOWFLAKE_ROLE",
    "warehouse": "$SNOWFLAKE_WAREHOUSE",
    "database": "$SNOWFLAKE_DATABASE",
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
        # Prod is a DuckDB file too, on the machine (or volume) prod runs on.
        "variables": {
            "DUCKDB_PROD_DATABASE": {
                "help": "the DuckDB database file of prod, an absolute path",
                "example": "/srv/warehouse/prod.duckdb",
            },
        },
        # The project's Warehouse class (src/<pkg>/warehouse.py) wraps the resource below.
        "class": "DuckDBWarehouse",
        "resource": {
            "module": "dagster_duckdb",
            "class": "DuckDBResource",
            "fields": {"database": "$DUCKDB_PROD_DATABASE"},
        },
        "text_type": "VARCHAR",
        # What src/<pkg>/warehouse.py imports for it, beyond the local DuckDB's needs.
        "imports": (),
        "dlt": {"destination": "duckdb", "credentials": "database"},
        "sling": {
            "type": "duckdb",
            "fields": {"instance": "$DUCKDB_PROD_DATABASE", "copy_method": "csv_files"},
        },
        "dbt": {
            "adapter": "dbt-duckdb",
            "profile": {"type": "duckdb", "path": "$DUCKDB_PROD_DATABASE", "threads": 1},
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
        "class": "PostgresWarehouse",
        # No Dagster library has a plain PostgreSQL resource: the project has a small one.
        "resource": {
            "module": None,
            "class": "PostgresResource",
            "fields": {
                "host": "$POSTGRES_HOST",
                "port": "$int:POSTGRES_PORT",
                "user": "$POSTGRES_USER",
                "password": "$POSTGRES_PASSWORD",
                "database": "$POSTGRES_DATABASE",
            },
        },
        "text_type": "VARCHAR",
        "imports": ("collections.abc:Sequence", "psycopg2"),
        # dlt credential field -> resource field.
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
        "sling": {
            "type": "postgres",
            "fields": {
                "host": "$POSTGRES_HOST",
                "port": "$POSTGRES_PORT",
                "user": "$POSTGRES_USER",
                "password": "$POSTGRES_PASSWORD",
                "database": "$POSTGRES_DATABASE",
            },
        },
        "dbt": {
            "adapter": "dbt-postgres",
            "profile": {
                "type": "postgres",
                "host": "$POSTGRES_HOST",
                "port": "$int:POSTGRES_PORT",
                "user": "$POSTGRES_USER",
                "password": "$POSTGRES_PASSWORD",
                "dbname": "$POSTGRES_DATABASE",
                "schema": "public",
                "threads": 4,
            },
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
        "class": "SnowflakeWarehouse",
        "resource": {
            "module": "dagster_snowflake",
            "class": "SnowflakeResource",
            "fields": dict(SNOWFLAKE_FIELDS),
        },
        "text_type": "VARCHAR",
        "imports": ("collections.abc:Sequence", "dagster_snowflake:SnowflakeResource"),
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
        "sling": {
            "type": "snowflake",
            "fields": dict(SNOWFLAKE_FIELDS),
        },
        "dbt": {
            "adapter": "dbt-snowflake",
            "profile": {
                "type": "snowflake",
                **SNOWFLAKE_FIELDS,
                "schema": "PUBLIC",
                "threads": 4,
            },
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
        "class": "BigQueryWarehouse",
        # Credentials: Application Default Credentials, i.e. GOOGLE_APPLICATION_CREDENTIALS.
        "resource": {
            "module": "dagster_gcp",
            "class": "BigQueryResource",
            "fields": {"project": "$BIGQUERY_PROJECT", "location": "$BIGQUERY_LOCATION"},
        },
        # BigQuery has no VARCHAR.
        "text_type": "STRING",
        "imports": (
            "collections.abc:Sequence",
            "datetime as dt",
            "decimal:Decimal",
            "dagster_gcp:BigQueryResource",
            "google.cloud:bigquery",
        ),
        "dlt": {
            "destination": "bigquery",
            "credentials": {"project_id": "project", "location": "location"},
        },
        "sling": {
            "type": "bigquery",
            "fields": {
                "project": "$BIGQUERY_PROJECT",
                "location": "$BIGQUERY_LOCATION",
                "dataset": "raw",
                "key_file": "$GOOGLE_APPLICATION_CREDENTIALS",
            },
        },
        "dbt": {
            "adapter": "dbt-bigquery",
            "profile": {
                "type": "bigquery",
                "method": "service-account",
                "keyfile": "$GOOGLE_APPLICATION_CREDENTIALS",
                "project": "$BIGQUERY_PROJECT",
                "location": "$BIGQUERY_LOCATION",
                "dataset": "staging",
                "threads": 4,
            },
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


# What src/<pkg>/warehouse.py always imports ("module" or "module:name"), and with dlt.
BASE_IMPORTS = (
    "collections.abc:Iterator",
    "contextlib:contextmanager",
    "typing:Any",
    "typing:ClassVar",
    "dagster as dg",
    "dagster_duckdb:DuckDBResource",
)
STDLIB = {"collections", "contextlib", "datetime", "decimal", "typing"}


def import_block(specs: list[str]) -> str:
    """Import statements sorted and grouped as ruff's isort does (standard library first; in
    each group `import x` lines before `from x import y` lines)."""
    groups: list[str] = []
    for stdlib in (True, False):
        plain, names = set(), {}
        for spec in specs:
            module = spec.split(":")[0].split(" ")[0]
            if (module.split(".")[0] in STDLIB) is not stdlib:
                continue
            if ":" in spec:
                names.setdefault(module, set()).add(spec.split(":")[1])
            else:
                plain.add(spec)
        lines = [f"import {p}" for p in sorted(plain, key=lambda p: p.split(" ")[0])]
        lines += [f"from {m} import {', '.join(sorted(n))}" for m, n in sorted(names.items())]
        if lines:
            groups.append("\n".join(lines))
    return "\n\n".join(groups)


def _variable(suffix: str, prefix: str) -> str:
    return suffix if suffix in SHARED_VARIABLES else f"{prefix}_{suffix}"


def _python(value: Any) -> str:
    """A field value as Python in the rendered project (settings.<NAME> holds the name)."""
    if isinstance(value, str) and value.startswith("$int:"):
        return f"dg.EnvVar.int(settings.{value[5:]})"
    if isinstance(value, str) and value.startswith("$"):
        return f"dg.EnvVar(settings.{value[1:]})"
    return repr(value) if not isinstance(value, str) else '"' + value + '"'


def _dbt(value: Any, prefix: str) -> str:
    """A profile value as YAML: variables through dbt's env_var()."""
    if isinstance(value, str) and value.startswith("$int:"):
        return f"\"{{{{ env_var('{_variable(value[5:], prefix)}') | as_number }}}}\""
    if isinstance(value, str) and value.startswith("$"):
        return f"\"{{{{ env_var('{_variable(value[1:], prefix)}') }}}}\""
    return str(value)


def derive(answers: dict[str, Any], prefix: str, tools: set[str]) -> dict[str, Any]:
    """The prod warehouse's values, ready for the templates (``prod.*``)."""
    name = choice(answers)
    table = WAREHOUSES[name]
    resource = table["resource"]
    return {
        "warehouse_name": name,
        "prod": {
            "name": name,
            "label": table["label"],
            "class": table["class"],
            "readme": table.get("readme", "").format(
                variable=_variable(next(iter(table["variables"])), prefix)
            ),
            "variables": [
                {
                    "constant": suffix,
                    "name": _variable(suffix, prefix),
                    "help": spec["help"],
                    "example": spec.get("example", ""),
                    "secret": spec.get("secret", False),
                }
                for suffix, spec in table["variables"].items()
            ],
            "resource_module": resource["module"],
            "resource_class": resource["class"],
            "resource_fields": {k: _python(v) for k, v in resource["fields"].items()},
            "text_type": table["text_type"],
            "imports": import_block(
                [*BASE_IMPORTS, *table["imports"], *(["dlt"] if "dlt" in tools else [])]
            ),
            "dlt_destination": table["dlt"]["destination"],
            "dlt_credentials": table["dlt"]["credentials"],
            "sling_type": table["sling"]["type"],
            "sling_fields": {k: _python(v) for k, v in table["sling"]["fields"].items()},
            "dbt_adapter": table["dbt"]["adapter"],
            "dbt_profile": {k: _dbt(v, prefix) for k, v in table["dbt"]["profile"].items()},
        },
    }


def all_variables(warehouse: str, prefix: str) -> list[str]:
    """Every prod variable of ``warehouse`` (for the tests)."""
    return [_variable(s, prefix) for s in WAREHOUSES[warehouse]["variables"]]
