from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg

from . import settings
from .conventions import defaults


@dg.definitions
def defs() -> dg.Definitions:
    defs = dg.load_from_defs_folder(path_within_project=Path(__file__).parent)
    references = code_references(defs)
    return defs.map_resolved_asset_specs(
        func=lambda spec: defaults(spec).merge_attributes(metadata=references.get(spec.key, {}))
    )


def code_references(defs: dg.Definitions) -> dict[dg.AssetKey, Mapping[str, Any]]:
    """Each asset's link to its code in the UI: components and dbt models have one (their
    defs.yaml, their SQL file), the others get their function's; links into the git repository
    when settings.GIT_URL is set."""
    assets = [
        asset
        if any("dagster/code_references" in m for m in asset.metadata_by_key.values())
        else dg.with_source_code_references([asset])[0]
        for asset in defs.assets or []
        if isinstance(asset, dg.AssetsDefinition)
    ]
    if settings.GIT_URL:
        here = Path(__file__)
        in_repository = dg.AnchorBasedFilePathMapping(
            here, str(here.relative_to(settings.PROJECT_ROOT))
        )
        assets = dg.link_code_references_to_git(
            assets, settings.GIT_URL, settings.GIT_BRANCH, in_repository
        )
    return {
        s.key: s.metadata for a in assets if isinstance(a, dg.AssetsDefinition) for s in a.specs
    }
