"""Names of the environment variables the venue accepts, read from docs/config.md.

The venue refuses to start on an unknown `BOURSE_` variable, so a deployment that sets
one is broken however valid its YAML is. The accepted names are `BOURSE_<SECTION>_<KEY>`
for the keys documented in the section tables of docs/config.md, and the few variables
the binary reads itself.
"""

import re
from pathlib import Path

# Read by the binary itself rather than through a configuration section
# (docs/config.md names each of them).
OWN = ("BOURSE_PROFILE", "BOURSE_CONFIG", "BOURSE_ADMIN_PASSWORD", "BOURSE_LOG_FORMAT", "BOURSE_DATA_DIR")

SECTION = re.compile(r"^##\s+\[([a-z_]+)\]\s*$")
ROW_KEY = re.compile(r"^\|\s*`([a-z_]+)`")


def accepted_names(config_doc):
    text = Path(config_doc).read_text(encoding="utf-8")
    names = set()
    for own in OWN:
        if own not in text:
            raise SystemExit(f"{config_doc} no longer mentions {own}; update deploy/test/bourse_env.py")
        names.add(own)
    section = None
    for line in text.splitlines():
        heading = SECTION.match(line)
        if heading:
            section = heading.group(1)
            continue
        if line.startswith("## "):
            section = None
            continue
        row = ROW_KEY.match(line)
        if section and row:
            names.add(f"BOURSE_{section}_{row.group(1)}".upper())
    if len(names) <= len(OWN):
        raise SystemExit(f"no configuration keys found in the section tables of {config_doc}")
    return names


def unknown(names, accepted):
    """The `BOURSE_` names the venue would refuse."""
    return sorted(n for n in names if n.startswith("BOURSE_") and n not in accepted)
