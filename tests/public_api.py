"""The rendered code uses only the public, documented API of its libraries (issue 12): no
override of a private method or attribute, no import from a private module path, no copied
upstream method, no attribute set on a library object from outside.

`violations` finds the constructs that break the rule in one file's source, from its syntax
alone. A copied upstream method has no syntax of its own: it shows through what the copy needs
(a private or internal import, an upstream method called on another object).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

# The import names of dagster, dagster-dbt, dagster-dlt, dagster-sling, dagster-duckdb,
# dagster-snowflake, dagster-gcp, dlt, dbt and sling.
LIBRARIES = frozenset({
    "dagster", "dagster_dbt", "dagster_dlt", "dagster_sling", "dagster_duckdb",
    "dagster_snowflake", "dagster_gcp", "dlt", "dbt", "sling",
})  # fmt: skip

# A library's public surface is its top-level package, plus these submodules, each documented
# as a place to import from (".*": its submodules too), with the names documented there (None:
# any). A name a package also exports at its top level is imported from there.
PUBLIC_SUBMODULES: dict[str, frozenset[str] | None] = {
    # Dagster's "Testing components" guide: create_defs_folder_sandbox and its kin live here only.
    "dagster.components.testing": None,
    # dbt's documented programmatic API ("Programmatic invocations").
    "dbt.cli.main": frozenset({"dbtRunner", "dbtRunnerResult"}),
    # dlt's documented sources (filesystem, sql_database, rest_api, helpers) and destinations.
    "dlt.sources.*": None,
    "dlt.destinations.*": None,
    # The argument of DagsterDltTranslator.get_asset_spec, which dagster_dlt 0.29 does not
    # export at its top level; Dagster's dlt guide imports it from here.
    "dagster_dlt.translator": frozenset({"DltResourceTranslatorData"}),
}

PRIVATE_IMPORT = "imports a private module or name"
INTERNAL_IMPORT = "imports from a library module that is not its public surface"
TOP_LEVEL = "its top-level package or a documented submodule"
PRIVATE_OVERRIDE = "defines a private member on a subclass of a library class"
PRIVATE_ACCESS = "uses a private attribute"
PRIVATE_ON_SUBCLASS = "uses a private attribute on a subclass of a library class"
SET_FROM_OUTSIDE = "sets an attribute of another object from outside (only self or cls)"
UPSTREAM_ON_OTHER = "calls an upstream method through its class on an object other than self"


def is_private(name: str) -> bool:
    """A leading underscore that is not a dunder's: `_x` and `__x`, not `__init__`."""
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def public_submodule(module: str) -> tuple[bool, frozenset[str] | None]:
    """Whether `module` is on PUBLIC_SUBMODULES, and the names documented there."""
    for entry, names in PUBLIC_SUBMODULES.items():
        base = entry.removesuffix(".*")
        if module == base or (entry.endswith(".*") and module.startswith(base + ".")):
            return True, names
    return False, None


def root_name(expr: ast.expr) -> str | None:
    """The name an expression such as `dg.Component[...]` or `a.b.C` starts from."""
    while isinstance(expr, ast.Attribute | ast.Subscript):
        expr = expr.value
    return expr.id if isinstance(expr, ast.Name) else None


def is_self(expr: ast.expr | None) -> bool:
    return isinstance(expr, ast.Name) and expr.id in ("self", "cls")


def is_private_attr_field(stmt: ast.stmt) -> bool:
    """`_x: T = PrivateAttr(...)`: pydantic private state, documented for ConfigurableResource."""
    value = getattr(stmt, "value", None)
    return (
        isinstance(value, ast.Call)
        and (getattr(value.func, "id", None) or getattr(value.func, "attr", None)) == "PrivateAttr"
    )


@dataclass
class ClassScope:
    subclasses_library: bool
    private_state: set[str] = field(default_factory=set)


class Checker(ast.NodeVisitor):
    def __init__(self, tree: ast.Module, path: str) -> None:
        self.path = path
        self.found: list[tuple[int, str]] = []
        self.scopes: list[ClassScope] = []
        # Local names bound to a library module or to something imported from one.
        self.library_names = {
            (alias.asname or alias.name).split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, ast.Import | ast.ImportFrom) and not getattr(node, "level", 0)
            for alias in node.names
            if (getattr(node, "module", None) or alias.name).split(".")[0] in LIBRARIES
        }
        # Classes of this file that derive from a library class, and those library bases.
        self.library_classes: set[str] = set()
        self.library_bases: set[str] = set()
        classes = [node for node in ast.walk(tree) if isinstance(node, ast.ClassDef)]
        for node in sorted(classes, key=lambda node: node.lineno):
            bases = [base for base in node.bases if root_name(base) in self.library_names]
            if bases or any(root_name(base) in self.library_classes for base in node.bases):
                self.library_classes.add(node.name)
            self.library_bases.update(
                ast.unparse(base.value if isinstance(base, ast.Subscript) else base)
                for base in bases
            )

    def flag(self, node: ast.AST, construct: str, rule: str) -> None:
        self.found.append((node.lineno, f"{self.path}:{node.lineno}: {construct}: {rule}"))

    # Imports -----------------------------------------------------------------------------------

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.check_module(node, alias.name, f"import {alias.name}")

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level or not node.module:
            return  # the project's own modules
        module, root = node.module, node.module.split(".")[0]
        statement = f"from {module} import {', '.join(alias.name for alias in node.names)}"
        if not self.check_module(node, module, statement) or root not in LIBRARIES:
            return
        for alias in node.names:
            if is_private(alias.name):
                self.flag(node, f"from {module} import {alias.name}", PRIVATE_IMPORT)
            elif module != root:
                names = public_submodule(module)[1]
                if names is not None and alias.name not in names:
                    there = ", ".join(sorted(names))
                    self.flag(
                        node,
                        f"from {module} import {alias.name}",
                        f"{INTERNAL_IMPORT} (documented there: {there}); import it from {root}",
                    )

    def check_module(self, node: ast.stmt, module: str, statement: str) -> bool:
        """Flag a private or internal module path; whether the path itself is fine."""
        root = module.split(".")[0]
        if any(is_private(part) for part in module.split(".")):
            self.flag(node, statement, PRIVATE_IMPORT)
        elif root in LIBRARIES and module != root and not public_submodule(module)[0]:
            self.flag(node, statement, f"{INTERNAL_IMPORT} ({root}: {TOP_LEVEL})")
        else:
            return True
        return False

    # Classes -----------------------------------------------------------------------------------

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        scope = ClassScope(node.name in self.library_classes)
        for stmt in node.body if scope.subclasses_library else ():
            if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                names = [stmt.name]
            elif isinstance(stmt, ast.Assign | ast.AnnAssign):
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                names = [target.id for target in targets if isinstance(target, ast.Name)]
            else:
                continue
            for name in filter(is_private, names):
                if is_private_attr_field(stmt):
                    scope.private_state.add(name)
                else:
                    self.flag(stmt, f"{node.name}.{name}", PRIVATE_OVERRIDE)
        self.scopes.append(scope)
        self.generic_visit(node)
        self.scopes.pop()

    # Attributes --------------------------------------------------------------------------------

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if is_private(node.attr):
            scope = self.scopes[-1] if self.scopes else None
            if not (is_self(node.value) and scope):
                self.flag(node, ast.unparse(node), PRIVATE_ACCESS)
            elif scope.subclasses_library and node.attr not in scope.private_state:
                self.flag(node, ast.unparse(node), PRIVATE_ON_SUBCLASS)
        self.generic_visit(node)

    def check_targets(self, targets: list[ast.expr], form: str = "{} = ...") -> None:
        for target in targets:
            if isinstance(target, ast.Tuple | ast.List):
                self.check_targets(target.elts, form)
            elif isinstance(target, ast.Starred):
                self.check_targets([target.value], form)
            elif isinstance(target, ast.Attribute) and not is_self(target.value):
                self.flag(target, form.format(ast.unparse(target)), SET_FROM_OUTSIDE)

    def visit_Assign(self, node: ast.Assign) -> None:
        self.check_targets(node.targets)
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign | ast.AnnAssign) -> None:
        self.check_targets([node.target])
        self.generic_visit(node)

    visit_AnnAssign = visit_AugAssign

    def visit_Delete(self, node: ast.Delete) -> None:
        self.check_targets(node.targets, "del {}")
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func, first = node.func, node.args[0] if node.args else None
        function = ast.unparse(func)
        if function in ("setattr", "delattr", "object.__setattr__", "object.__delattr__"):
            if not is_self(first):
                target = ast.unparse(first) if first else ""
                self.flag(node, f"{function}({target}, ...)", SET_FROM_OUTSIDE)
        elif (
            isinstance(func, ast.Attribute)
            and ast.unparse(func.value) in self.library_bases
            and first is not None
            and not isinstance(first, ast.Starred)
            and not is_self(first)
        ):
            self.flag(node, f"{function}({ast.unparse(first)}, ...)", UPSTREAM_ON_OTHER)
        self.generic_visit(node)


def violations(source: str, path: str) -> list[str]:
    """Every use of `source` (the file at `path`) outside its libraries' public API, as
    `path:line: construct: rule`."""
    tree = ast.parse(source, filename=path)
    checker = Checker(tree, path)
    checker.visit(tree)
    return [message for _, message in sorted(checker.found)]
