"""Write ``twilio_schemas.json``: the parts of Twilio's OpenAPI descriptions the fake server
is checked against (the full files, 2.4 MB, live in the shared specs folder, not in a clone).

    python tests/fakes/specs/extract.py [SPEC_DIR]   # default: ../shared/specs/twilio

Twilio's descriptions are MIT-licensed (LICENSE beside this file).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_SOURCE = HERE.parents[3] / "shared" / "specs" / "twilio"
SCHEMAS = {
    "twilio_api_v2010.json": ("api.v2010.account.message",),
    "twilio_taskrouter_v1.json": (
        "taskrouter.v1.workspace.activity",
        "taskrouter.v1.workspace.task_queue",
        "taskrouter.v1.workspace.worker",
        "taskrouter.v1.workspace.task_queue.task_queues_statistics",
        "taskrouter.v1.workspace.task_queue.task_queue_bulk_real_time_statistics",
    ),
}


def extract(source: Path) -> dict[str, dict]:
    """Schema name -> its property names and what Twilio says of each, from ``source``."""
    out: dict[str, dict] = {}
    for file, names in SCHEMAS.items():
        schemas = json.loads((source / file).read_text())["components"]["schemas"]
        for name in names:
            out[name] = {"properties": sorted(schemas[name]["properties"])}
    return out


if __name__ == "__main__":
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_SOURCE
    target = HERE / "twilio_schemas.json"
    target.write_text(json.dumps(extract(source), indent=1, sort_keys=True) + "\n")
    print(f"wrote {target}")
