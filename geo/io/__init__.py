"""The only package that touches files: the workspace store, saved plans, the importers and the CLI.

`from geo import io` and call `io.read_workspace(...)`, `io.save_plan(...)`, `io.build_workspace(...)`:
this module re-exports the public API of its modules (listed in `__all__`) so pages and ui/ need one
import. What lives where:

- `geo.io.store`: the workspace GeoPackage (atomic write, read and validate, meta, listing workspaces)
  and where files live (`workspace_dir`, `data_dir`);
- `geo.io.revision`: the workspace's write lock and its revision counter (every write after the build);
- `geo.io.plans`: named plans with a revision in the workspace file (`StalePlanError` on a stale save);
- `geo.io.erasure`: the retention purge and erasure on request, in place, keeping every plan;
- `geo.io.sources`: bytes from a path or an `Upload`, CSV / Excel / zip tables, vector files;
- `geo.io.importers`: each published file kind (boundaries, IoD, postcodes, lists, OSM, GTFS, NaPTAN),
  read here and understood by the pure parsers in geo.read;
- `geo.io.remembered`: column mappings users chose and the participant salt, kept beside the workspaces;
- `geo.io.build`: `WorkspaceSources` and `build_workspace` (the pure assembly is geo.read.area);
- `geo.io.cli`: `python -m geo.io import --help`;
- `geo.io.demo`: the demo workspace file (`ensure_demo`);
- `geo.io.assets`: the vendored browser assets, read for standalone exports.

An upload is read from memory and never written to disk; any failure of a reading library becomes a
DataError naming the file.
"""

from __future__ import annotations

from geo.io.build import (
    AreaSettings,
    BuildResult,
    Progress,
    WorkspaceSources,
    area_settings,
    build_workspace,
    previous_settings,
    unused_path,
)
from geo.io.cli import main
from geo.io.demo import demo_generator_hash, demo_path, ensure_demo
from geo.io.erasure import (
    ERASURES_TABLE,
    Erasure,
    erase_participant,
    erasures,
    normalise_pseudonym,
    pseudonym_of,
    purge_participants,
)
from geo.io.importers import (
    GTFS_FILES,
    headers_of,
    import_gtfs,
    import_lsoa_table,
    import_lsoas,
    import_naptan,
    import_osm,
    import_points,
    import_postcodes,
    import_wards,
    read_osm,
)
from geo.io.plans import PLANS_TABLE, PlanInfo, StalePlanError, delete_plan, list_plans, load_plan, save_plan
from geo.io.remembered import (
    MAPPINGS_FILE,
    SALT_FILE,
    mapping_key,
    participant_salt,
    remember_mapping,
    remembered_mapping,
)
from geo.io.revision import META_TABLE, REVISION_KEY, workspace_revision
from geo.io.sources import Source, Upload, read_table, read_vector, source_name
from geo.io.store import (
    REPO_ROOT,
    data_dir,
    list_workspaces,
    read_meta,
    read_workspace,
    remove_stale_temps,
    workspace_dir,
    write_workspace,
)

__all__ = [
    "ERASURES_TABLE", "GTFS_FILES", "MAPPINGS_FILE", "META_TABLE", "PLANS_TABLE", "REPO_ROOT", "REVISION_KEY",
    "SALT_FILE", "AreaSettings", "BuildResult", "Erasure", "PlanInfo", "Progress", "Source", "StalePlanError",
    "Upload", "WorkspaceSources", "area_settings", "build_workspace", "data_dir", "delete_plan",
    "demo_generator_hash", "demo_path", "ensure_demo", "erase_participant", "erasures", "headers_of", "import_gtfs",
    "import_lsoa_table", "import_lsoas", "import_naptan", "import_osm", "import_points", "import_postcodes",
    "import_wards", "list_plans", "list_workspaces", "load_plan", "main", "mapping_key", "normalise_pseudonym",
    "participant_salt", "previous_settings", "pseudonym_of", "purge_participants", "read_meta", "read_osm",
    "read_table", "read_vector", "read_workspace", "remember_mapping", "remembered_mapping", "remove_stale_temps",
    "save_plan", "source_name", "unused_path", "workspace_dir", "workspace_revision", "write_workspace",
]
