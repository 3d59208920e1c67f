"""Validates deploy/compose/docker-compose.yml without Docker.

- Interpolates it the way Compose does (`${VAR}`, `${VAR:-default}`, `${VAR:?error}`,
  ...) with the values of .env.example, and checks that every variable it uses is
  listed there, that every secret is required and left empty in the example (so an
  unfilled .env stops `docker compose` with the variable's name), and that no secret is
  written in the file itself.
- Validates the interpolated file against the Compose Specification's JSON schema: the
  copy shipped in the docker-compose 1.29.2 wheel from PyPI (compose/config/
  compose_spec.json), given with --schema-wheel, or a schema file given with --schema.
- Checks the venue's service: built from deploy/Dockerfile, read-only root filesystem
  with a tmpfs /tmp, every capability dropped, no-new-privileges, a health check through
  `bourse healthcheck`, PostgreSQL read models, only environment variables the venue
  accepts; PostgreSQL healthy before it starts; pinned images; published ports on
  127.0.0.1 unless told otherwise; Redis and NATS (JetStream) only in the scale-out
  profile; mounted files present.
"""

import argparse
import json
import re
import sys
import zipfile
from pathlib import Path

import jsonschema
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "test"))
import bourse_env  # noqa: E402

SECRET = re.compile(r"PASSWORD|SECRET|TOKEN|PRIVATE_KEY")
REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])((?:[^{}]|\{[^{}]*\})*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)")
SCHEMA_IN_WHEEL = "compose/config/compose_spec.json"

errors = []


def error(message):
    errors.append(message)


class Missing(Exception):
    pass


def read_env(path):
    values = {}
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not sep or not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", key):
            error(f"{path}:{number}: not KEY=VALUE")
            continue
        values[key] = value.strip().strip("'\"")
    return values


def interpolate(text, env):
    """Compose's interpolation of one string."""
    def replace(m):
        if m.group(4):
            return env.get(m.group(4), "")
        name, op, arg = m.group(1), m.group(2), m.group(3) or ""
        value = env.get(name)
        unset_or_empty = not value
        if op is None:
            return value or ""
        if op == ":-":
            return interpolate(arg, env) if unset_or_empty else value
        if op == "-":
            return interpolate(arg, env) if value is None else value
        if op == ":?":
            if unset_or_empty:
                raise Missing(f"{name}: {arg}")
            return value
        if op == "?":
            if value is None:
                raise Missing(f"{name}: {arg}")
            return value
        if op == ":+":
            return "" if unset_or_empty else interpolate(arg, env)
        return "" if value is None else interpolate(arg, env)

    parts = text.split("$$")
    return "$".join(REFERENCE.sub(replace, part) for part in parts)


def walk(node, env):
    if isinstance(node, dict):
        return {k: walk(v, env) for k, v in node.items()}
    if isinstance(node, list):
        return [walk(v, env) for v in node]
    if isinstance(node, str):
        return interpolate(node, env)
    return node


def references(node, found):
    """(name, operator) of every variable the file refers to."""
    if isinstance(node, dict):
        for v in node.values():
            references(v, found)
    elif isinstance(node, list):
        for v in node:
            references(v, found)
    elif isinstance(node, str):
        for m in REFERENCE.finditer(node.replace("$$", "")):
            found.add((m.group(1) or m.group(4), m.group(2) or ""))
    return found


def load_schema(args):
    if args.schema:
        return json.loads(Path(args.schema).read_text(encoding="utf-8")), args.schema
    with zipfile.ZipFile(args.schema_wheel) as wheel:
        return json.loads(wheel.read(SCHEMA_IN_WHEEL)), f"{Path(args.schema_wheel).name}:{SCHEMA_IN_WHEEL}"


def schema_validator(schema):
    """The validator of the draft the schema names (its $schema URIs are not always the
    canonical ones)."""
    declared = schema.get("$schema", "")
    for draft, validator in (
        ("2020-12", jsonschema.Draft202012Validator),
        ("2019-09", jsonschema.Draft201909Validator),
        ("draft-07", jsonschema.Draft7Validator),
        ("draft-06", jsonschema.Draft6Validator),
        ("draft-04", jsonschema.Draft4Validator),
    ):
        if draft in declared:
            return validator
    return jsonschema.Draft7Validator


def as_list(value):
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def environment(service):
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, None) for item in env)
    return env


def check_literal_secrets(raw):
    for name, service in (raw.get("services") or {}).items():
        for key, value in environment(service).items():
            value = "" if value is None else str(value)
            if SECRET.search(key) and value and "${" not in value:
                error(f"service {name}: {key} is written in the file; take it from .env")
            for password in re.findall(r"://[^:/@\s]+:([^@\s]+)@", value):
                if not password.startswith("${"):
                    error(f"service {name}: {key} holds a password; take it from .env")


def check_venue(compose, compose_dir, accepted, required):
    services = compose.get("services") or {}
    venue = services.get("bourse")
    if not venue:
        error("no service bourse")
        return
    build = venue.get("build") or {}
    context = compose_dir / build.get("context", ".")
    dockerfile = context / build.get("dockerfile", "Dockerfile")
    if not dockerfile.exists():
        error(f"service bourse: builds from {dockerfile}, which does not exist")
    if venue.get("read_only") is not True:
        error("service bourse: read_only is not true")
    if not any(str(t).split(":")[0] == "/tmp" for t in as_list(venue.get("tmpfs"))):
        error("service bourse: no tmpfs on /tmp")
    if "ALL" not in as_list(venue.get("cap_drop")):
        error("service bourse: cap_drop does not drop ALL")
    if not any(str(o).replace("=", ":") in ("no-new-privileges:true", "no-new-privileges") for o in as_list(venue.get("security_opt"))):
        error("service bourse: no security_opt no-new-privileges")
    test = (venue.get("healthcheck") or {}).get("test") or []
    if not (isinstance(test, list) and "healthcheck" in test and any(w.endswith("bourse") for w in test)):
        error(f"service bourse: health check {test!r} does not run `bourse healthcheck`")
    env = environment(venue)
    refused = bourse_env.unknown(env, accepted)
    if refused:
        error(f"service bourse: the venue refuses {', '.join(refused)}")
    if not str(env.get("DATABASE_URL", "")).startswith("postgres://"):
        error("service bourse: DATABASE_URL does not put the read models in PostgreSQL")
    depends = venue.get("depends_on") or {}
    if not isinstance(depends, dict) or (depends.get("postgres") or {}).get("condition") != "service_healthy":
        error("service bourse: does not wait for postgres to be healthy")
    if not (services.get("postgres") or {}).get("healthcheck"):
        error("service postgres: no health check")
    for secret in ("BOURSE_ADMIN_PASSWORD", "POSTGRES_PASSWORD"):
        if secret not in required:
            error(f"{secret} is not required (${{{secret}:?...}})")


def check_services(compose, compose_dir):
    services = compose.get("services") or {}
    for name in ("postgres", "prometheus", "grafana"):
        if name not in services:
            error(f"no service {name}")
    for name, service in services.items():
        image = str(service.get("image", ""))
        if "build" not in service:
            tag = image.rsplit("/", 1)[-1]
            if ":" not in tag or tag.endswith(":latest"):
                error(f"service {name}: image {image!r} is not pinned to a version")
        for port in as_list(service.get("ports")):
            parts = str(port).split(":")
            if len(parts) < 3:
                error(f"service {name}: port {port!r} is published on every interface; give an address")
            elif parts[0] != "127.0.0.1":
                error(f"service {name}: port {port!r} is published beyond 127.0.0.1 by default")
        for volume in as_list(service.get("volumes")):
            source = str(volume).split(":")[0]
            if source.startswith((".", "/")) and not (compose_dir / source).exists():
                error(f"service {name}: mounts {source}, which does not exist")
    for name in ("redis", "nats"):
        service = services.get(name)
        if not service:
            error(f"no service {name} (scale-out)")
        elif "scale-out" not in as_list(service.get("profiles")):
            error(f"service {name}: not in the scale-out profile")
    nats = services.get("nats") or {}
    command = nats.get("command") or []
    command = command.split() if isinstance(command, str) else command
    if "-js" not in command and "--jetstream" not in command:
        error("service nats: JetStream is not enabled (-js)")
    for name, service in services.items():
        if name not in ("redis", "nats") and service.get("profiles"):
            error(f"service {name}: in profiles {service['profiles']}, so not started by default")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("compose_file")
    parser.add_argument("--env-example", required=True)
    parser.add_argument("--config-doc", required=True)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--schema-wheel")
    source.add_argument("--schema")
    args = parser.parse_args()

    compose_path = Path(args.compose_file)
    compose_dir = compose_path.parent
    raw = yaml.safe_load(compose_path.read_text(encoding="utf-8"))
    example = read_env(args.env_example)

    refs = references(raw, set())
    used = {name for name, _ in refs}
    required = {name for name, op in refs if op in (":?", "?")}
    for name in sorted(used - set(example)):
        error(f"{args.env_example} does not list {name}, which the compose file uses")
    for name in sorted(set(example) - used):
        error(f"{args.env_example} lists {name}, which the compose file does not use")
    for name in sorted(used):
        if SECRET.search(name):
            if name not in required:
                error(f"{name} is a secret but not required: use ${{{name}:?message}}")
            if example.get(name):
                error(f"{args.env_example} gives {name} a value; leave secrets empty")
    # An unfilled .env must stop Compose, naming the variable.
    for name in sorted(required):
        try:
            walk(raw, {**{k: v or "x" for k, v in example.items()}, name: ""})
            error(f"{name} empty does not stop the interpolation")
        except Missing as missing:
            if not str(missing).startswith(f"{name}:"):
                error(f"{name} empty stopped the interpolation on {missing}")
    check_literal_secrets(raw)

    filled = {k: v or f"placeholder-{k.lower()}" for k, v in example.items()}
    try:
        compose = walk(raw, filled)
    except Missing as missing:
        error(f"interpolation failed with every variable set: {missing}")
        compose = raw
    schema, schema_name = load_schema(args)
    validator = schema_validator(schema)(schema)
    for problem in sorted(validator.iter_errors(compose), key=lambda e: list(e.absolute_path)):
        location = "/".join(str(p) for p in problem.absolute_path) or "(top)"
        error(f"schema: {location}: {problem.message}")

    accepted = bourse_env.accepted_names(args.config_doc)
    check_venue(compose, compose_dir, accepted, required)
    check_services(compose, compose_dir)

    if errors:
        for message in errors:
            print(f"error: {compose_path}: {message}", file=sys.stderr)
        sys.exit(1)
    services = compose.get("services") or {}
    print(
        f"{len(services)} services valid against {schema_name}; "
        f"{len(used)} variables, {len(required)} required, all listed in {Path(args.env_example).name}"
    )


if __name__ == "__main__":
    main()
