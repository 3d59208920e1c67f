"""Checks what deploy/Dockerfile promises beyond hadolint's generic rules.

Parsed with dockerfile-parse: every base image pinned to a tag; no ADD; the files the
build copies exist in the repository and .dockerignore lets them in; the binary built
with `cargo build --release --locked -p bourse`; the final stage on a minimal base,
running as a numeric non-root user, with the data directory as a volume, port 8080, a
HEALTHCHECK through `bourse healthcheck`, `bourse serve` as entrypoint and command, and
only environment variables the venue accepts.
"""

import argparse
import json
import re
import sys
from pathlib import Path

from dockerfile_parse import DockerfileParser

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bourse_env  # noqa: E402

MINIMAL_BASES = ("gcr.io/distroless/", "debian:")
REQUIRED_ENV = {
    "BOURSE_SERVER_ADDR": "0.0.0.0:8080",
    "BOURSE_DATA_DIR": "/var/lib/bourse",
    "BOURSE_LOG_FORMAT": "json",
}
DATA_DIR = "/var/lib/bourse"

errors = []


def error(message):
    errors.append(message)


def substitute(value, args):
    return re.sub(r"\$\{?(\w+)\}?", lambda m: args.get(m.group(1), m.group(0)), value)


def exec_form(value):
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError:
        return None
    return parsed if isinstance(parsed, list) else None


def ignore_regex(pattern):
    """A .dockerignore pattern as a regular expression: anchored at the context root,
    `*` within one path element, `**` across any number of them."""
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out + r"\Z")


def dockerignore_admits(patterns, path):
    """Whether .dockerignore lets `path` into the build context: the last pattern that
    matches the path or a folder above it decides."""
    parts = path.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    admitted = True
    for pattern in patterns:
        negate = pattern.startswith("!")
        regex = ignore_regex(pattern.lstrip("!").strip("/"))
        if any(regex.match(p) for p in prefixes):
            admitted = negate
    return admitted


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dockerfile")
    parser.add_argument("--context", required=True)
    parser.add_argument("--config-doc", required=True)
    args = parser.parse_args()

    context = Path(args.context)
    ignore_file = context / ".dockerignore"
    if not ignore_file.exists():
        error(f"{ignore_file} is missing")
        patterns = []
    else:
        patterns = [
            line.strip()
            for line in ignore_file.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")
        ]
    for excluded in (".git", "target", "web/node_modules", "data", "deploy/compose/.env"):
        if dockerignore_admits(patterns, excluded):
            error(f".dockerignore lets {excluded} into the build context")

    with open(args.dockerfile, "rb") as f:
        structure = DockerfileParser(fileobj=f).structure
    build_args, stages, current = {}, [], None
    for item in structure:
        instruction, value = item["instruction"], item["value"].strip()
        if instruction == "ARG" and current is None:
            name, _, default = value.partition("=")
            build_args[name.strip()] = default.strip()
        elif instruction == "FROM":
            words = [w for w in value.split() if not w.startswith("--")]
            alias = words[2] if len(words) >= 3 and words[1].lower() == "as" else ""
            current = {"image": substitute(words[0], build_args), "alias": alias, "items": []}
            stages.append(current)
        elif current is not None:
            current["items"].append((instruction, value))
    if not stages:
        sys.exit(f"{args.dockerfile}: no FROM")
    aliases = {s["alias"] for s in stages if s["alias"]}

    for stage in stages:
        image = stage["image"]
        if image in aliases:
            continue
        name_part = image.rsplit("/", 1)[-1]
        if ":" not in name_part and "@" not in image:
            error(f"FROM {image}: no tag")
        elif name_part.endswith(":latest"):
            error(f"FROM {image}: pin a version, not latest")
        for instruction, value in stage["items"]:
            if instruction == "ADD":
                error(f"ADD {value}: use COPY (ADD fetches URLs and unpacks archives)")
            if instruction == "COPY" and "--from" not in value:
                words = [w for w in value.split() if not w.startswith("--")]
                for source in words[:-1]:
                    path = source.rstrip("/")
                    if not (context / path).exists():
                        error(f"COPY {source}: not in the repository")
                    elif not dockerignore_admits(patterns, path):
                        error(f"COPY {source}: left out of the build context by .dockerignore")

    runs = " ".join(v for s in stages for i, v in s["items"] if i == "RUN")
    if not re.search(r"cargo build --release --locked -p bourse\b", runs):
        error("no RUN builds the binary with `cargo build --release --locked -p bourse`")

    final = stages[-1]
    if not final["image"].startswith(MINIMAL_BASES) or (
        final["image"].startswith("debian:") and "slim" not in final["image"]
    ):
        error(f"the final stage runs on {final['image']}, not a minimal base")
    items = final["items"]
    last = {}
    for instruction, value in items:
        last[instruction] = value
    user = last.get("USER", "")
    uid = user.split(":")[0]
    if not uid.isdigit() or int(uid) == 0:
        error(f"USER {user!r}: the final stage must run as a numeric non-root uid")

    env = {}
    for instruction, value in items:
        if instruction == "ENV":
            for key, val in re.findall(r"(\w+)=(\"[^\"]*\"|\S+)", value):
                env[key] = val.strip('"')
    for key, val in REQUIRED_ENV.items():
        if env.get(key) != val:
            error(f"ENV {key}={val} missing from the final stage (found {env.get(key)!r})")
    refused = bourse_env.unknown(env, bourse_env.accepted_names(args.config_doc))
    if refused:
        error(f"ENV {', '.join(refused)}: the venue refuses these variables")

    volumes = " ".join(v for i, v in items if i == "VOLUME")
    if DATA_DIR not in volumes:
        error(f"no VOLUME {DATA_DIR}")
    if not any(i == "EXPOSE" and re.search(r"\b8080\b", v) for i, v in items):
        error("no EXPOSE 8080")

    health = last.get("HEALTHCHECK", "")
    command = exec_form(health.split("CMD", 1)[1].strip()) if "CMD" in health else None
    if not command or "healthcheck" not in command or not any("/healthz" in w for w in command):
        error(f"HEALTHCHECK {health!r}: expected CMD [\"bourse\", \"healthcheck\", \"--url\", \".../healthz\"] in exec form")
    elif not command[0].endswith("bourse"):
        error(f"HEALTHCHECK runs {command[0]}, not the bourse binary")

    entrypoint = exec_form(last.get("ENTRYPOINT", "")) or []
    cmd = exec_form(last.get("CMD", "")) or []
    if not entrypoint or not entrypoint[0].endswith("bourse"):
        error(f"ENTRYPOINT {last.get('ENTRYPOINT')!r}: expected the bourse binary, in exec form")
    if cmd != ["serve"]:
        error(f"CMD {last.get('CMD')!r}: expected [\"serve\"]")

    if errors:
        for message in errors:
            print(f"error: {args.dockerfile}: {message}", file=sys.stderr)
        sys.exit(1)
    print(
        f"{len(stages)} stages; runs {final['image']} as uid {uid}, "
        f"HEALTHCHECK {' '.join(command)}"
    )


if __name__ == "__main__":
    main()
