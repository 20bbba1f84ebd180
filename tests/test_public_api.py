"""Public API only (issue 12): the checker of tests/public_api.py catches each construct the rule
forbids and lets ordinary public use through; then every Python file of a representative set of
renders passes it."""

from __future__ import annotations

import itertools
import textwrap
from collections import defaultdict
from pathlib import Path

import pytest

from helpers import BASE_ANSWERS
from public_api import (
    INTERNAL_IMPORT,
    PRIVATE_ACCESS,
    PRIVATE_IMPORT,
    PRIVATE_ON_SUBCLASS,
    PRIVATE_OVERRIDE,
    SET_FROM_OUTSIDE,
    TOP_LEVEL,
    UPSTREAM_ON_OTHER,
    violations,
)

# Snippet -> the violations it must yield, as (line, construct, rule), and no other.
MUST_CATCH = {
    "private module path": (
        """
        from dagster._core.definitions.assets import AssetsDefinition
        import dagster._utils
        """,
        [
            (1, "from dagster._core.definitions.assets import AssetsDefinition", PRIVATE_IMPORT),
            (2, "import dagster._utils", PRIVATE_IMPORT),
        ],
    ),
    "private name": (
        "from dagster import _check\n",
        [(1, "from dagster import _check", PRIVATE_IMPORT)],
    ),
    "internal submodule": (
        """
        from dagster_sling.components.sling_replication_collection.component import (
            SlingComponentTranslator,
        )
        from dagster.components.resolved.core_models import OpSpec
        import dagster_dbt.asset_utils
        """,
        [
            (
                1,
                "from dagster_sling.components.sling_replication_collection.component import "
                "SlingComponentTranslator",
                f"{INTERNAL_IMPORT} (dagster_sling: {TOP_LEVEL})",
            ),
            (
                4,
                "from dagster.components.resolved.core_models import OpSpec",
                f"{INTERNAL_IMPORT} (dagster: {TOP_LEVEL})",
            ),
            (
                5,
                "import dagster_dbt.asset_utils",
                f"{INTERNAL_IMPORT} (dagster_dbt: {TOP_LEVEL})",
            ),
        ],
    ),
    "name the package exports, from its submodule": (
        "from dagster_dlt.translator import DagsterDltTranslator\n",
        [
            (
                1,
                "from dagster_dlt.translator import DagsterDltTranslator",
                f"{INTERNAL_IMPORT} (documented there: DltResourceTranslatorData); "
                "import it from dagster_dlt",
            )
        ],
    ),
    "private overrides on DbtCliResource": (
        """
        from collections.abc import Sequence
        from typing import Any

        from dagster_dbt import DbtCliResource
        from packaging.version import Version


        class DbtCli(DbtCliResource):
            fetch_metadata: bool = False

            @property
            def _cli_version(self) -> Version:
                from dbt.version import __version__

                return Version(__version__)

            def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> Any:
                return super()._initialize_dbt_core_adapter(args) if self.fetch_metadata else None
        """,
        [
            (12, "DbtCli._cli_version", PRIVATE_OVERRIDE),
            (
                13,
                "from dbt.version import __version__",
                f"{INTERNAL_IMPORT} (dbt: {TOP_LEVEL})",
            ),
            (17, "DbtCli._initialize_dbt_core_adapter", PRIVATE_OVERRIDE),
            (18, "super()._initialize_dbt_core_adapter", PRIVATE_ACCESS),
        ],
    ),
    "private class attribute, through a local base": (
        """
        import dagster as dg


        class Base(dg.ConfigurableResource):
            path: str


        class Landing(Base):
            _cache = {}
        """,
        [(9, "Landing._cache", PRIVATE_OVERRIDE)],
    ),
    "private attribute of another object": (
        """
        def describe(translator, spec, row):
            spec = spec._replace(name="x")
            return translator._specs, row._asdict(), spec
        """,
        [
            (2, "spec._replace", PRIVATE_ACCESS),
            (3, "row._asdict", PRIVATE_ACCESS),
            (3, "translator._specs", PRIVATE_ACCESS),
        ],
    ),
    "private state on a library subclass": (
        """
        from dagster_dbt import DagsterDbtTranslator


        class Translator(DagsterDbtTranslator):
            def __init__(self) -> None:
                super().__init__()
                self._specs = {}
        """,
        [(7, "self._specs", PRIVATE_ON_SUBCLASS)],
    ),
    "attributes set from outside": (
        """
        def build(component, load):
            component.make_source, component.make_pipeline = load.source, load.pipeline
            setattr(component, "loads", [])
            load.source.name += "_fresh"
            del load.pipeline
        """,
        [
            (2, "component.make_pipeline = ...", SET_FROM_OUTSIDE),
            (2, "component.make_source = ...", SET_FROM_OUTSIDE),
            (3, "setattr(component, ...)", SET_FROM_OUTSIDE),
            (4, "load.source.name = ...", SET_FROM_OUTSIDE),
            (5, "del load.pipeline", SET_FROM_OUTSIDE),
        ],
    ),
    "upstream method on another object": (
        """
        from dataclasses import dataclass, replace

        import dagster as dg
        import dagster_dlt


        @dataclass
        class FreshDltLoadCollection(dagster_dlt.DltLoadCollectionComponent):
            def build_defs(self, context: dg.ComponentLoadContext) -> dg.Definitions:
                component = replace(self, loads=self.loads[:1])
                return dagster_dlt.DltLoadCollectionComponent.build_defs(component, context)
        """,
        [
            (
                11,
                "dagster_dlt.DltLoadCollectionComponent.build_defs(component, ...)",
                UPSTREAM_ON_OTHER,
            )
        ],
    ),
}

# Ordinary public use: no violation.
MUST_ALLOW = {
    "translator override": """
        from collections.abc import Mapping
        from typing import Any

        import dagster as dg
        from dagster_dbt import DagsterDbtTranslator


        class ProjectTranslator(DagsterDbtTranslator):
            def __init__(self) -> None:
                super().__init__()
                self.specs: dict[str, dg.AssetSpec] = {}

            def get_asset_spec(self, manifest: Mapping[str, Any], unique_id: str, project: Any):
                spec = super().get_asset_spec(manifest, unique_id, project)
                return spec.replace_attributes(group_name="transform")
        """,
    "private state of a project class": """
        class SpecCache:
            def __init__(self) -> None:
                self._specs = {}

            def _build(self, key):
                return key

            def get(self, key):
                if key not in self._specs:
                    self._specs[key] = self._build(key)
                return self._specs[key]

            @classmethod
            def empty(cls):
                cls._instances = 0
                return cls()


        def _helper() -> SpecCache:
            return SpecCache()
        """,
    "dataclass and pydantic fields, PrivateAttr state": """
        from dataclasses import dataclass

        import dagster as dg
        import dagster_dlt
        from pydantic import BaseModel, PrivateAttr


        @dataclass
        class Loads(dagster_dlt.DltLoadCollectionComponent):
            refresh: bool = False

            def execute(self, context, dlt_pipeline_resource):
                self.refresh = True

                def _asset():
                    return self.refresh

                yield from super().execute(context, dlt_pipeline_resource)


        class Row(BaseModel):
            name: str
            amount: int = 0


        class LandingZone(dg.ConfigurableResource):
            path: str
            _files: list = PrivateAttr(default_factory=list)

            def setup_for_execution(self, context: dg.InitResourceContext) -> None:
                self._files = [self.path]
        """,
    "public imports and calls": """
        from __future__ import annotations

        import dagster as dg
        import dlt
        from dagster.components.testing import create_defs_folder_sandbox
        from dagster_dlt import DagsterDltTranslator
        from dagster_dlt.translator import DltResourceTranslatorData
        from dbt.cli.main import dbtRunner
        from dlt.sources.filesystem import filesystem

        from .. import settings
        from ..defs.resources import build_resources


        def build(monkeypatch, environ, text, defs_a, defs_b, obj):
            monkeypatch.setattr(settings, "LANDING_DIR", "x")
            environ["X"] = "1"
            key = dg.AssetKey.from_user_string("raw/orders")
            merged = dg.Definitions.merge(defs_a, defs_b)
            return (
                key, merged, dg.MetadataValue.md(text), dlt.destinations.duckdb(":memory:"),
                obj.__class__.__name__, dbtRunner, filesystem, create_defs_folder_sandbox,
                DagsterDltTranslator, DltResourceTranslatorData, build_resources,
            )
        """,
}


def snippet(text: str) -> str:
    return textwrap.dedent(text).removeprefix("\n")


@pytest.mark.parametrize(("source", "expected"), MUST_CATCH.values(), ids=MUST_CATCH.keys())
def test_checker_catches(source, expected):
    assert violations(snippet(source), "x.py") == [
        f"x.py:{line}: {construct}: {rule}" for line, construct, rule in expected
    ]


@pytest.mark.parametrize("source", MUST_ALLOW.values(), ids=MUST_ALLOW.keys())
def test_checker_allows(source):
    assert violations(snippet(source), "x.py") == []


# The renders: every ETL tool set in both integration styles, the warehouse in turn; then the
# full tool set on every other warehouse in both styles. Automation style and partitioning in
# turn.
TOOL_SETS = [
    sorted(subset)
    for n in range(4)
    for subset in itertools.combinations(["dlt", "sling", "dbt"], n)
]
INTEGRATIONS = ["pythonic", "components"]
WAREHOUSES = ["duckdb", "postgres", "snowflake", "bigquery"]
STYLES = ["declarative", "schedules", "sensors"]
PARTITIONINGS = ["daily", "weekly", "monthly", "none"]


def answers(n: int, tools: list[str], integration: str, warehouse: str) -> dict:
    return {
        "etl_tools": tools,
        "integration_style": integration,
        "warehouse": warehouse,
        "automation_style": STYLES[n % len(STYLES)],
        "partitioning": PARTITIONINGS[n // 2 % len(PARTITIONINGS)],
    }


RENDERS = [
    answers(n, tools, integration, WAREHOUSES[n % len(WAREHOUSES)])
    for n, (tools, integration) in enumerate(itertools.product(TOOL_SETS, INTEGRATIONS))
]
RENDERS += [
    answers(n, ["dbt", "dlt", "sling"], integration, warehouse)
    for n, (integration, warehouse) in enumerate(itertools.product(INTEGRATIONS, WAREHOUSES))
    if (["dbt", "dlt", "sling"], integration, warehouse)
    not in [(r["etl_tools"], r["integration_style"], r["warehouse"]) for r in RENDERS]
]
# Without the sample: every tool in both styles (the tests of the conventions change).
RENDERS += [
    {**answers(n, ["dbt", "dlt", "sling"], integration, "duckdb"), "sample": False}
    for n, integration in enumerate(INTEGRATIONS)
]


def test_renders_cover_every_answer():
    def covered(*keys):
        return {tuple(str(render[key]) for key in keys) for render in RENDERS}

    assert len(covered("etl_tools", "integration_style")) == len(TOOL_SETS) * len(INTEGRATIONS)
    assert len(covered("warehouse", "integration_style")) == len(WAREHOUSES) * len(INTEGRATIONS)
    assert len(covered("automation_style", "integration_style")) == len(STYLES) * len(INTEGRATIONS)
    assert len(covered("partitioning")) == len(PARTITIONINGS)


@pytest.fixture(scope="module")
def rendered(copie_session, template) -> dict[str, Path]:
    """Each render of RENDERS: name -> project."""
    projects = {}
    for render in RENDERS:
        result = copie_session.copy(extra_answers={**BASE_ANSWERS, **render}, template_dir=template)
        assert result.exit_code == 0, result.exception
        tools = "+".join(render["etl_tools"]) or "no-tools"
        name = "-".join(
            [tools, *(render[k] if k != "sample" else "no-sample" for k in list(render)[1:])]
        )
        assert name not in projects, name
        projects[name] = result.project_dir
    return projects


def test_rendered_code_uses_only_public_api(rendered):
    # A violation as "file: construct: rule", with its lines and the renders that have it.
    lines, renders = defaultdict(set), defaultdict(dict)
    for name, project in rendered.items():
        for path in sorted([*project.glob("src/**/*.py"), *project.glob("tests/**/*.py")]):
            for violation in violations(path.read_text(), str(path.relative_to(project))):
                file, line, what = violation.split(":", 2)
                lines[file, what].add(line)
                renders[file, what][name] = None
    report = [
        f"{file}:{','.join(sorted(lines[file, what], key=int))}:{what}\n"
        f"    in {len(renders[file, what])} of {len(rendered)} renders, "
        f"e.g. {next(iter(renders[file, what]))}"
        for file, what in sorted(lines)
    ]
    if report:
        pytest.fail("outside the libraries' public API:\n" + "\n".join(report), pytrace=False)
