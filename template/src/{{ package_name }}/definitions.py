from pathlib import Path

import dagster as dg

from . import settings
from .conventions import defaults


@dg.definitions
def defs() -> dg.Definitions:
    defs = dg.load_from_defs_folder(path_within_project=Path(__file__).parent)
    linked = linked_to_code(defs)
    return defs.map_resolved_asset_specs(func=lambda spec: defaults(linked.get(spec.key, spec)))


def linked_to_code(defs: dg.Definitions) -> dict[dg.AssetKey, dg.AssetSpec]:
    """Each asset linked to its code in the UI: components and dbt models are (to their defs.yaml,
    their SQL file), the others to their function; into git when settings.GIT_URL is set."""
    assets = [
        asset
        if any("dagster/code_references" in m for m in asset.metadata_by_key.values())
        else dg.with_source_code_references([asset])[0]
        for asset in defs.assets or []
        if isinstance(asset, dg.AssetsDefinition)
    ]
    if settings.GIT_URL:
        here = Path(__file__)
        mapping = dg.AnchorBasedFilePathMapping(here, str(here.relative_to(settings.PROJECT_ROOT)))
        assets = dg.link_code_references_to_git(
            assets, settings.GIT_URL, settings.GIT_BRANCH, mapping
        )
    return {s.key: s for a in assets if isinstance(a, dg.AssetsDefinition) for s in a.specs}
