"""The template's logic, tested directly: validators, quoting filters, derived context (the
ci_provider and deployment answers' at the end)."""

from __future__ import annotations

import ast
import datetime as dt
import json
import keyword
import re
import sys
import tomllib

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from copier_dagster import (
    answer_changes,
    choices,
    context,
    deployment,
    organization,
    quoting,
    upgrades,
    validators,
    warehouses,
)

from helpers import REPO

NASTY = [
    'He said "hi"',
    "it's",
    "both ' and \"",
    "back\\slash \\n not a newline",
    "{{ x }} and {% if %} and {# c #}",
    "# not a comment: value",
    "key: value - [list] {map} & *alias !tag | > %",
    "emoji 🚀🦆 and 日本語, Ünïcødé, ñ",
    "trailing space ",
    "tab\there",
    "line\nbreak",
    "",
]


@pytest.mark.parametrize("text", NASTY)
def test_toml_str_round_trips(text):
    assert tomllib.loads(f"v = {quoting.toml_str(text)}")["v"] == text


@pytest.mark.parametrize("text", NASTY)
def test_yaml_str_round_trips(text):
    assert yaml.safe_load(f"v: {quoting.yaml_str(text)}")["v"] == text


@pytest.mark.parametrize("text", NASTY)
def test_py_str_round_trips(text):
    literal = quoting.py_str(text)
    assert ast.literal_eval(literal) == text
    # ruff format's preference: double quotes unless that needs more escapes.
    assert literal[0] == ("'" if text.count('"') > text.count("'") else '"')


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("a_b*c*", r"a\_b\*c\*"),
        ("[link](x) <b>", r"\[link\](x) \<b\>"),
        ("#1 `code` | pipe ~", r"\#1 \`code\` \| pipe \~"),
        ("plain 🚀 text", "plain 🚀 text"),
    ],
)
def test_md_text_escapes_markdown(text, escaped):
    assert quoting.md_text(text) == escaped


@pytest.mark.parametrize(
    ("project", "package"),
    [
        ("Acme Data", "acme_data"), ("9 Lives!", "lives"), ("Über-Daten 2", "uber_daten_2"),
        ("my-project", "my_project"), ("Ünïcode Data", "unicode_data"), ("X", "x"),
        ("123", "project_123"), ("日本語", "project"), ("", "project"),
        ("Customer Analytics Platform Pipelines", "customer_analytics_platform"),
        ("a" * 40, "a" * 32), ("class", "class_etl"), ("Dagster", "dagster_etl"),
        ("tests", "tests_etl"),
    ],
)  # fmt: skip
def test_to_package_name(project, package):
    assert quoting.to_package_name(project) == package


@settings(max_examples=300, derandomize=True, deadline=None, database=None)
@given(
    project=st.text(st.characters(categories=["L", "N", "P", "S", "Zs"]), max_size=100),
    prefix=st.sampled_from(["", "acme_", "x", "dagster_"]),
)
def test_the_package_name_derived_from_any_project_name_is_valid(project, prefix):
    """A copy with --defaults takes the derived package name as it is: it must be valid."""
    package = quoting.to_package_name(project, prefix=prefix)
    assert validators.package_name_error(package, prefix=prefix) == "", package


@pytest.mark.parametrize(
    ("folder", "name"),
    [("my_project", "my_project"), ("Acme Data", "Acme Data"), ("a\tb", "a b"),
     ("x" * 90, "x" * 80), ("   ", "")],
)  # fmt: skip
def test_project_name_from_the_folder(folder, name):
    assert quoting.to_project_name(folder) == name


@pytest.mark.parametrize("name", ["acme", "acme_data", "a1", "pipelines_2", "a" * 32])
def test_package_name_accepts(name):
    assert validators.package_name_error(name) == ""


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("class", "a Python keyword: try class_etl"),
        ("match", "a Python keyword: try match_etl"),
        ("my-pkg", "use a-z, 0-9, _; start with a-z"),
        ("9lives", "use a-z, 0-9, _; start with a-z"),
        ("Acme", "use a-z, 0-9, _; start with a-z"),
        ("", "use a-z, 0-9, _; start with a-z"),
        ("dagster", "shadows the module dagster: rename"),
        ("dbt", "shadows the module dbt: rename"),
        ("duckdb", "shadows the module duckdb: rename"),
        ("tests", "shadows the module tests: rename"),
        ("typing", "shadows the module typing: rename"),  # the standard library's
        ("yaml", "shadows the module yaml: rename"),  # a dependency's dependency
        ("dagster_shared", "shadows a Python module: rename"),
        ("a" * 33, "at most 32 characters"),
    ],
)
def test_package_name_rejects(name, fragment):
    assert fragment in validators.package_name_error(name)


def test_project_name():
    assert validators.project_name_error('Acme 🚀 "Data" {{ x }}') == ""
    assert "must not be empty" in validators.project_name_error("   ")
    assert "printable" in validators.project_name_error("two\nlines")
    assert "printable" in validators.project_name_error("tab\there")
    assert validators.project_name_error("x" * 80) == ""
    assert validators.project_name_error("x" * 81) == "at most 80 characters"


@pytest.mark.parametrize("char", ["\n", "\r", "\t", "\x00", "\u2028"])
def test_one_line_answers_refuse_line_breaks(char):
    assert validators.line_error(f"Jane{char}Doe") == "must be one printable line"
    assert validators.line_error("Jane Doe, Ünïcødé 🚀") == ""
    assert validators.project_name_error(f"Acme{char}") == "must be one printable line"
    assert validators.email_error(f"jane@example.com{char}") != ""
    assert validators.cron_error(f"0 2 * * *{char}") != ""
    assert validators.timezone_error(f"UTC{char}") != ""
    assert validators.owners_error([f"team:data{char}"]) != ""


def test_every_standard_library_module_is_reserved():
    assert set(sys.stdlib_module_names) <= validators.RESERVED_PACKAGE_NAMES
    assert {"dagster", "dagster_dbt", "dlt", "duckdb", "sqlglot", "pydantic", "yaml"} <= (
        validators.RESERVED_PACKAGE_NAMES
    )


@pytest.mark.parametrize("email", ["", "a@b.co", "jane.doe+data@example.com"])
def test_email_accepts(email):
    assert validators.email_error(email) == ""


@pytest.mark.parametrize("email", ["not-an-email", "a@b", "a b@c.de", "@x.com"])
def test_email_rejects(email):
    assert validators.email_error(email) == "must be name@example.com or empty"


def test_owners():
    assert validators.owners_error(["team:data-eng", "jane@example.com"]) == ""
    assert "at least one owner" in validators.owners_error([])
    assert "at least one owner" in validators.owners_error("team:x")
    for bad in (["team:ok", "bob"], ["team:"], ["team:a b"], [42], ["jane@acme.solutions"]):
        assert validators.owners_error(bad) == "each must be team:<name> or an email", bad
    assert validators.owners_error(["team:" + "t" * 59]) == ""
    assert validators.owners_error(["team:" + "t" * 60]) == "each at most 64 characters"


@pytest.mark.parametrize("zone", ["UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata"])
def test_timezone_accepts(zone):
    assert validators.timezone_error(zone) == ""


@pytest.mark.parametrize("zone", ["Mars/Base", "", "utc ", "Europe/Paris/", "../etc/passwd"])
def test_timezone_rejects(zone):
    assert "not an IANA zone" in validators.timezone_error(zone)


def test_partition_start():
    today = dt.date(2026, 1, 10)
    assert validators.partition_start_error("2025-01-01", today) == ""
    assert validators.partition_start_error("2026-01-10", today) == ""
    assert validators.partition_start_error("2026-01-11", today) == "must not be after 2026-01-10"
    for bad in ("2024-13-01", "2024-02-30", "yesterday", "20250101", "2025-1-1", ""):
        assert "not a date: use YYYY-MM-DD" in validators.partition_start_error(bad, today), bad


@pytest.mark.parametrize("cron", ["0 2 * * *", "*/15 * * * *", "0 6 * * 1-5", "30 1 1,15 * *"])
def test_cron_accepts(cron):
    assert validators.cron_error(cron) == ""


@pytest.mark.parametrize(
    ("cron", "fragment"),
    [
        ("0 2 * *", "five fields"),
        ("@daily", "five fields"),
        ("60 2 * * *", "minute field: 0-59"),
        ("0 24 * * *", "hour field: 0-23"),
        ("0 2 0 * *", "day of month field: 1-31"),
        ("0 2 * 13 *", "month field: 1-12"),
        ("0 2 * * 8", "day of week field: 0-7"),
        ("0 2 * * MON", "day of week field: 0-7"),
        ("*/0 * * * *", "minute: step must be >= 1"),
        ("0 2 30 2 *", "never runs: no February 30 or 31"),
        ("0 2 31 2 *", "never runs: no February 30 or 31"),
        ("5-2 * * * *", "minute: range a-b needs a<b"),
        ("0/5 * * * *", "minute: step after * or a-b"),
        ("0 2 * * *" + " " * 42, "at most 50 characters"),
    ],
)
def test_cron_rejects(cron, fragment):
    assert fragment in validators.cron_error(cron)


def test_every_validation_message_fits_one_80_column_row():
    """Copier shows "Validation error for question '<name>': <message>" on one row, cut at the
    terminal's width: every message, whatever the answer, must fit in 80 columns."""
    long = "x" * 200
    bad_answers = {
        "project_name": [validators.project_name_error(v) for v in ("", " ", "a\tb", long + "\n")],
        "description": [validators.line_error(v) for v in ("a\nb", long + "\t")],
        "author_name": [validators.line_error(v) for v in ("a\nb", long + "\t")],
        "package_name": [
            *(validators.package_name_error(v) for v in ("", "9lives", "my-pkg", long + "-")),
            *(validators.package_name_error(k) for k in keyword.kwlist + keyword.softkwlist),
            *(validators.package_name_error(n) for n in validators.RESERVED_PACKAGE_NAMES),
            validators.package_name_error(long, prefix="p" * organization.PREFIX_MAX_LENGTH),
        ],
        "author_email": [validators.email_error(v) for v in ("x", long, "@" + long)],
        "owners": [
            validators.owners_error(v)
            for v in ([], long, [long], ["team:" + long, 1], ["team:" + long], ["a@b.c"])
        ],
        "timezone": [validators.timezone_error(v) for v in ("", "Mars/Olympus", long)],
        "partition_start": [
            validators.partition_start_error(v) for v in ("", "2025-1-1", long, "9999-12-31")
        ],
        "refresh_cron": [
            validators.cron_error(v)
            for v in (
                *("", long, "0 2 * *", "60 * * * *", "0 24 * * *", f"0 2 * * {long}"),
                *("1 2 30 2 *", "0 0 1 1-1 *", "0 0 1 1/2 *", "0 0 1 1/0 *", "0\n2 * * *"),
            )
        ],
    }
    for question, messages in bad_answers.items():
        for message in messages:
            assert message, question
            shown = validators.COPIER_PREFIX.format(question=question) + message
            assert len(shown) <= validators.TERMINAL_WIDTH, f"{len(shown)} columns: {shown}"


@pytest.mark.parametrize(
    ("partitioning", "start", "first"),
    [
        ("daily", "2025-01-01", "2025-01-01"),
        ("weekly", "2025-01-01", "2025-01-06"),  # weeks start on Monday
        ("weekly", "2025-01-06", "2025-01-06"),
        ("monthly", "2025-01-01", "2025-01-01"),
        ("monthly", "2025-01-15", "2025-02-01"),
        ("monthly", "2024-12-31", "2025-01-01"),
        ("none", "2025-01-01", None),
    ],
)
def test_first_partition_key(partitioning, start, first):
    assert context.first_partition_key(partitioning, start) == first


def test_dependencies_come_from_the_versions_file():
    pins = context.pins()["packages"]
    derived = context.derive({"package_name": "acme", "partitioning": "daily"})
    for dep in derived["dependencies"] + derived["dev_dependencies"]:
        name, version = dep["requirement"].split("==")
        assert pins[name] == version
    assert {d["requirement"].split("==")[0] for d in derived["dependencies"]} == {
        "dagster",
        "dagster-duckdb",
        "duckdb",
        "python-dotenv",
    }
    reasons = {d["requirement"].split("==")[0]: d["reason"] for d in derived["dependencies"]}
    assert reasons["duckdb"]  # pinned for the storage format


def test_tool_dependencies_and_loaders():
    derived = context.derive({"etl_tools": ["dlt", "sling", "dbt"]})
    requirements = [d["requirement"] for d in derived["dependencies"]]
    assert "dbt-core>=1.11,<1.12" in requirements
    assert "dlt[duckdb]==1.31.0" in requirements
    assert any(r.startswith("sling-linux-amd64==") and " ; sys_platform" in r for r in requirements)
    assert derived["loader_tables"] == {"sling": ["customers"], "dlt": ["orders"]}
    assert derived["raw_loader"] == {"customers": "sling", "orders": "dlt"}
    assert context.raw_loaders({"dlt"}) == {"customers": "dlt", "orders": "dlt"}
    assert context.raw_loaders({"dbt"}) == {"customers": "python", "orders": "python"}
    assert context.derive({"etl_tools": ["spark"]})["tools"] == []


def test_answer_changes_drop_once_what_the_old_answers_built():
    """The update's migration, not the rendered code, clears what another answer built."""
    dlt_dbt = {"etl_tools": ["dlt", "dbt"], "partitioning": "daily"}
    assert answer_changes.statements(dlt_dbt, dlt_dbt, "0.3.0") == []
    assert answer_changes.statements(dlt_dbt, {**dlt_dbt, "etl_tools": ["sling"]}, "0.3.0") == [
        "DROP TABLE IF EXISTS raw.customers",
        "DROP TABLE IF EXISTS raw.orders",
        "DROP TABLE IF EXISTS raw._dlt_version",
        "DROP TABLE IF EXISTS raw._dlt_loads",
        "DROP TABLE IF EXISTS raw._dlt_pipeline_state",
        "DROP VIEW IF EXISTS staging.stg_customers",
        "DROP VIEW IF EXISTS staging.stg_orders",
    ]
    # Adding Sling beside dlt moves customers alone; dbt stays, so do its views.
    both = {**dlt_dbt, "etl_tools": ["dlt", "sling", "dbt"]}
    assert answer_changes.statements(dlt_dbt, both, "0.3.0")[0] == (
        "DROP TABLE IF EXISTS raw.customers"
    )
    assert answer_changes.statements(dlt_dbt, {**dlt_dbt, "partitioning": "none"}, "0.3.0") == [
        "DROP TABLE IF EXISTS analytics.order_summary"
    ]
    # From 0.2.0, dlt's tables (rows of Python objects, `_dlt_id`) are loaded anew.
    assert "DROP TABLE IF EXISTS raw.orders" in answer_changes.statements(dlt_dbt, dlt_dbt, "0.2.0")
    no_sample = {"sample": False}
    assert answer_changes.statements(no_sample, {**no_sample, "partitioning": "none"}) == []


def test_older_projects_keep_their_behaviour_on_update(tmp_path):
    assert upgrades.answers_added_since("0.1.0") == {
        "etl_tools": [],
        "warehouse": "duckdb",
        "integration_style": "pythonic",
        "sample": True,
    }
    # A project made before the sample question keeps its sample, whatever the new default.
    assert upgrades.answers_added_since("0.2.0") == {"sample": True}
    assert upgrades.answers_added_since("0.3.0") == {}
    answers = tmp_path / ".copier-answers.yml"
    answers.write_text("_commit: v0.1.0\nproject_name: X\n")
    assert upgrades.main(tmp_path, "0.1.0") == 0
    assert "etl_tools: []" in answers.read_text()
    answers.write_text("_commit: v0.1.0\netl_tools:\n- dbt\n")
    upgrades.main(tmp_path, "0.1.0")
    assert answers.read_text().count("etl_tools") == 1
    answers.write_text("_commit: v0.2.0\nproject_name: X\n")
    assert upgrades.main(tmp_path, "0.2.0") == 0
    assert yaml.safe_load(answers.read_text())["sample"] is True


def test_derive_copes_with_partial_answers():
    derived = context.derive({})
    assert derived["env_database"].endswith("_DUCKDB_DATABASE")
    assert derived["env_database"] != "DUCKDB_PATH"  # Sling reads DUCKDB_PATH as its CLI's path
    json.dumps(derived)  # plain data only
    assert context.derive({"partition_start": "2024-13-01"})["partition"]["first_key"] is None
    assert context.derive({"partitioning": "hourly"})["partition"]["period"] == "day"


@pytest.mark.parametrize("name", sorted(warehouses.WAREHOUSES))
def test_warehouse_table_is_complete(name):
    """Every field of every tool reads a field of the warehouse's connection, and every field of
    the connection is read; each names its own variable; packages are pinned; the table holds
    names and values, no code."""
    table = warehouses.WAREHOUSES[name]
    declared = set(table["connection"])
    credentials = table["dlt"]["credentials"]
    used = {
        *table["resource"]["fields"].values(),
        *table["sling"]["fields"].values(),
        *table["dbt"]["fields"].values(),
        *([credentials] if isinstance(credentials, str) else credentials.values()),
        *table["dlt"].get("options", {}).values(),
    }
    assert used == declared
    variables = [spec["variable"] for spec in table["connection"].values()]
    assert len(set(variables)) == len(variables)
    assert all(re.fullmatch(r"[A-Z][A-Z0-9_]*", variable) for variable in variables)
    assert set(table["packages"]) == {"base", *context.ETL_TOOLS}
    for packages in table["packages"].values():
        assert all(p in context.pins()["packages"] for p in packages)
    if table["dbt"]["adapter"] != "dbt-duckdb":
        assert table["dbt"]["adapter"] in table["packages"]["dbt"]
    assert all(spec["help"] and spec["help"] == spec["help"].lower()[:1] + spec["help"][1:]
               for spec in table["connection"].values())  # fmt: skip
    assert set(table["dbt"].get("numbers", ())) <= set(table["dbt"]["fields"])
    text = repr(table)
    assert not any(code in text for code in ("EnvVar", "env_var", "import ", "{{", "$"))


def test_warehouse_derived_values():
    prod = context.derive({"package_name": "acme", "warehouse": "postgres"})["prod"]
    assert [v["name"] for v in prod["variables"]] == [
        "ACME_POSTGRES_HOST", "ACME_POSTGRES_PORT", "ACME_POSTGRES_USER", "ACME_POSTGRES_PASSWORD",
        "ACME_POSTGRES_DATABASE",
    ]  # fmt: skip
    # One mapping of connection fields to variables; each tool names the fields it reads.
    assert prod["connection"]["port"] == "ACME_POSTGRES_PORT"
    assert prod["resource"]["fields"]["port"] == "port"
    assert prod["dbt"]["fields"]["dbname"] == "database"
    assert prod["dbt"]["numbers"] == ("port",)
    assert prod["dbt"]["values"]["schema"] == "public"
    assert prod["dlt"]["credentials"]["username"] == "user"
    duckdb = context.derive({"package_name": "acme", "warehouse": "duckdb"})["prod"]
    assert duckdb["connection"] == {"database": "ACME_DUCKDB_PROD_DATABASE"}
    assert duckdb["dlt"]["credentials"] == "database"
    bigquery = context.derive({"package_name": "acme", "warehouse": "bigquery"})["prod"]
    # Read by every Google library as it is: no prefix.
    assert bigquery["connection"]["key_file"] == "GOOGLE_APPLICATION_CREDENTIALS"
    assert "GOOGLE_APPLICATION_CREDENTIALS" in [v["name"] for v in bigquery["variables"]]
    assert bigquery["dlt"]["options"] == {"location": "location"}
    requirements = [
        d["requirement"]
        for d in context.derive({"warehouse": "snowflake", "etl_tools": ["dlt"]})["dependencies"]
    ]
    assert "dlt[duckdb,snowflake]==1.31.0" in requirements
    assert not any(r.startswith("dbt-snowflake") for r in requirements)
    # Unanswered or refused: the default, DuckDB.
    assert context.derive({"warehouse": "oracle"})["prod"]["name"] == "duckdb"


def test_copier_offers_the_choices_of_the_template_code():
    """Each choice list is defined in copier.yml and in choices.py: they must agree, and the
    tables keyed by a choice (warehouses, partitionings) must cover exactly its values."""
    config = yaml.safe_load((REPO / "copier.yml").read_text())
    for question, values in choices.QUESTIONS.items():
        offered = config[question]["choices"]
        offered = list(offered.values()) if isinstance(offered, dict) else offered
        assert tuple(offered) == values, question
    assert tuple(warehouses.WAREHOUSES) == choices.WAREHOUSES
    assert tuple(context.PARTITIONINGS) == choices.PARTITIONINGS
    assert tuple(deployment.DEPLOYMENT_PACKAGES) == choices.DEPLOYMENTS


def test_answers_given_up_front_are_checked_as_copier_checks_them():
    """validators.QUESTION_VALIDATORS is copier.yml's `validator:` of each question, and the
    check of answers given up front (tests/test_questions.py runs it through the CLI) finds
    bad choices, bad YAML and what each validator refuses."""
    config = yaml.safe_load((REPO / "copier.yml").read_text())
    with_validator = {
        name: spec["validator"]
        for name, spec in config.items()
        if isinstance(spec, dict) and "validator" in spec
    }
    assert {
        name: f"{{{{ {name} | {check.__name__} }}}}"
        for name, check in validators.QUESTION_VALIDATORS.items()
    } == with_validator
    error = validators.given_answer_error
    assert error("warehouse", "duckdb") == error("etl_tools", "[dlt, dbt]") == ""
    assert error("etl_tools", []) == error("owners", "[team:a]") == error("sample", "yes") == ""
    assert error("warehouse", "oracle").startswith("Invalid choice for 'warehouse': 'oracle'")
    assert error("etl_tools", "[dlt, spark]").startswith("Invalid choice for 'etl_tools'")
    assert (
        error("owners", "[a") == "Validation error for question 'owners': not a list, e.g. [a, b]"
    )
    assert error("package_name", "class").endswith("a Python keyword: try class_etl")
    assert error("unknown_key", "anything") == ""


@pytest.mark.parametrize(
    ("tools", "requires", "versions"),
    [([], ">=3.11,<3.15", ["3.11", "3.14"]), (["dlt", "dbt"], ">=3.11,<3.14", ["3.11", "3.13"])],
)
def test_python_range_follows_the_chosen_packages(tools, requires, versions):
    """From the lowest Python through the newest Dagster supports, capped by a chosen package
    that stops earlier (dagster-dbt); CI tests both ends."""
    derived = context.derive({"package_name": "acme", "etl_tools": tools})
    assert derived["requires_python"] == requires
    assert derived["python_versions"] == versions


def test_update_stops_on_answers_refused_now(tmp_path):
    recorded = {
        "project_name": "Acme",
        "package_name": "typing",
        "owners": ["jane@acme.solutions"],
        "etl_tools": ["dbt"],
    }
    assert upgrades.refused_answers(recorded) == {
        "package_name": "shadows the module typing: rename",
        "owners": "each must be team:<name> or an email",
    }
    answers = tmp_path / ".copier-answers.yml"
    answers.write_text("_commit: v0.1.0\nrefresh_cron: '*/0 * * * *'\n")
    assert upgrades.main(tmp_path, "0.1.0") == 1
    assert answers.read_text() == "_commit: v0.1.0\nrefresh_cron: '*/0 * * * *'\n"  # untouched
    # Every validator of copier.yml is one the update checks: a filter of validators.py.
    config = yaml.safe_load((REPO / "copier.yml").read_text())
    validated = {q for q, spec in config.items() if isinstance(spec, dict) and "validator" in spec}
    everything = {q: "\n" for q in validated} | {"owners": ["\n"]}
    assert set(upgrades.refused_answers(everything)) == validated


def test_help_texts_state_the_length_limits():
    config = yaml.safe_load((REPO / "copier.yml").read_text())
    assert f"at most {validators.PACKAGE_NAME_MAX};" in config["package_name"]["help"]
    assert f"at most {validators.OWNER_MAX} each" in config["owners"]["help"]


# --- Derived values of the ci_provider and deployment answers (copier_dagster.deployment) -------


def derived(**answers) -> dict:
    return context.derive({"package_name": "acme_data", **answers})


def names(dependencies: list[dict]) -> set[str]:
    return {d["requirement"].split("==")[0] for d in dependencies}


@pytest.mark.parametrize(
    ("choice", "added"),
    [
        ("none", set()),
        ("docker-compose", {"dagster-postgres", "dagster-webserver"}),
        ("kubernetes", {"dagster-k8s", "dagster-postgres"}),
        ("dagster-plus", {"dagster-cloud"}),
    ],
)
def test_deployment_adds_only_what_it_needs(choice, added):
    values = derived(deployment=choice)
    base = set(context.BASE_DEPENDENCIES)
    assert names(values["dependencies"]) == base | added
    # A package is in the dependencies or in dev, never both.
    assert not names(values["dependencies"]) & names(values["dev_dependencies"])
    assert names(values["dev_dependencies"]) == set(context.DEV_DEPENDENCIES) - added
    assert values["has_image"] is (choice != "none")
    pins = context.pins()
    for dep in values["dependencies"]:
        name, version = dep["requirement"].split("==")
        assert version == pins["packages"][name]


def test_unanswered_or_invalid_answers_fall_back_to_defaults():
    assert derived(ci_provider="jenkins", deployment="swarm")["has_ci"] is True
    assert derived(deployment="swarm")["dependencies"] == derived()["dependencies"]
    assert derived()["has_image"] is False


def test_names_follow_the_package():
    values = derived()
    assert values["project_slug"] == "acme-data"
    assert values["code_module"] == "acme_data.definitions"
    assert values["k8s_secret"] == "acme-data-env"


def test_actions_are_pinned_by_full_sha_with_their_tag():
    for line in derived()["actions"].values():
        assert re.fullmatch(r"[\w-]+/[\w-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+", line), line


def test_chart_and_packages_follow_dagster():
    pins = context.pins()
    dagster = pins["packages"]["dagster"]
    assert pins["deployment"]["tools"]["helm-chart"] == dagster
    assert pins["packages"]["dagster-cloud"] == dagster
    libs = pins["packages"]["dagster-duckdb"]
    assert pins["packages"]["dagster-postgres"] == libs
    assert pins["packages"]["dagster-k8s"] == libs
    assert deployment.DEPLOYMENTS[0] == "none" and deployment.CI_PROVIDERS[0] == "github"
