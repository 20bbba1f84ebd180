from pathlib import Path

import dagster as dg

from . import settings


@dg.definitions
def defs() -> dg.Definitions:
    defs = dg.load_from_defs_folder(path_within_project=Path(__file__).parent)
    # The UI links each asset to its code (components: their defs.yaml, dbt models: their SQL
    # file; the others: their function), in the git repository when settings.GIT_URL is set.
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
    linked = {
        s.key: s.metadata for a in assets if isinstance(a, dg.AssetsDefinition) for s in a.specs
    }
    return defs.map_resolved_asset_specs(
        func=lambda spec: spec.merge_attributes(metadata=linked.get(spec.key, {}))
    )
