"""Entry points Copier loads (see ``_jinja_extensions`` in copier.yml).

The logic lives in the ``copier_dagster`` package beside this file, a plain Python package the
tests import directly. Copier renders from a fresh clone of the template each time, so the package
is imported from this clone, never from another checkout imported earlier in the same process.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

from copier.errors import UserMessageError
from copier_template_extensions import ContextHook
from jinja2 import Environment
from jinja2.ext import Extension

_HERE = str(Path(__file__).resolve().parent)
_PACKAGE_DIR = str(Path(_HERE, "copier_dagster")) + "/"


def _load_package():
    for name in [
        m for m in sys.modules if m == "copier_dagster" or m.startswith("copier_dagster.")
    ]:
        if not str(Path(sys.modules[name].__file__ or "").resolve()).startswith(_PACKAGE_DIR):
            del sys.modules[name]
    sys.path.insert(0, _HERE)
    try:
        return (
            importlib.import_module("copier_dagster.context"),
            importlib.import_module("copier_dagster.quoting"),
            importlib.import_module("copier_dagster.validators"),
        )
    finally:
        sys.path.remove(_HERE)


context, quoting, validators = _load_package()


class ContextUpdater(ContextHook):
    """Adds the derived values of ``copier_dagster.context.derive`` to every render, once the
    answers given up front are checked."""

    def hook(self, ctx: dict) -> None:
        # A bad answer given up front stops Copier with one line (validators.answers_error).
        if message := validators.answers_error(ctx):
            raise UserMessageError(message)
        ctx.update(context.derive(ctx))


class Filters(Extension):
    """Quoting filters (``toml_str``, ``py_str``, ...) and validators (``*_error``)."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        for module in (quoting, validators):
            for name in getattr(module, "__all__", None) or dir(module):
                func = getattr(module, name)
                if (
                    callable(func)
                    and not name.startswith("_")
                    and func.__module__ == module.__name__
                ):
                    environment.filters[name] = func
