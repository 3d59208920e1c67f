"""Checks the alert rules and the Grafana dashboards against what the venue exposes.

- Every metric an alert rule or a dashboard query reads is documented in the metrics
  document (docs/metrics.md: a markdown table whose first column holds the name in
  backticks), histograms with their _bucket, _sum and _count series.
- Every alert has a severity, a summary, a description and a runbook_url that points at
  a heading of docs/operations.md, and the rule tests have a case where it fires and a
  case where it stays quiet.
- Every dashboard is valid JSON with a unique uid and title, panels of type timeseries or
  stat, each with PromQL targets on the provisioned Prometheus data source.

With --promql-out FILE it also writes every dashboard query, Grafana's variables
replaced, as a rule file, so that `promtool check rules FILE` parses them.
"""

import argparse
import json
import re
import sys
from pathlib import Path

import yaml

# Series Prometheus itself attaches to every target.
SCRAPE_SERIES = {"up"}
SEVERITIES = {"critical", "warning", "info"}
PANEL_TYPES = {"timeseries", "stat"}
KEYWORDS = {
    "and", "or", "unless", "bool", "by", "without", "on", "ignoring",
    "group_left", "group_right", "offset", "inf", "nan", "atan2",
}
# Grafana's variables, as promtool should see them.
GRAFANA_VARIABLES = {
    "$__rate_interval": "1m",
    "$__interval": "1m",
    "$__range": "1h",
}
NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")

errors = []


def error(message):
    errors.append(message)


def documented_metrics(path):
    """Names a query may use: each documented name, and a histogram's series."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        sys.exit(
            f"{path} not found: the metric names are checked against it (a markdown table "
            "whose first column holds each name in backticks). Point BOURSE_METRICS_DOC at "
            "another copy to check against that."
        )
    names = set()
    for line in text.splitlines():
        if not line.startswith("|"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not cells:
            continue
        row = line.lower()
        for span in re.findall(r"`([^`]+)`", cells[0]):
            name = span.split("{", 1)[0].strip()
            if not NAME.match(name):
                continue
            names.add(name)
            if "histogram" in row:
                names.update({f"{name}_bucket", f"{name}_sum", f"{name}_count"})
            if "summary" in row:
                names.update({f"{name}_sum", f"{name}_count"})
            if "counter" in row and not name.endswith("_total"):
                names.add(f"{name}_total")
    if not names:
        sys.exit(f"{path} has no table of metric names (first column, in backticks)")
    return names


def metric_names(expr):
    """The metric names a PromQL expression reads (a tokenizer, not a parser: promtool
    parses the expressions)."""
    s = re.sub(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`', '""', expr)
    s = re.sub(r"\{[^}]*\}", " ", s)
    s = re.sub(r"\[[^\]]*\]", " ", s)
    s = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", s)
    s = re.sub(r"\boffset\s+-?[0-9a-z]+", " ", s)
    found = []
    for m in re.finditer(r"(?<![\w.:$])([a-zA-Z_:][a-zA-Z0-9_:]*)", s):
        word = m.group(1)
        if word.lower() in KEYWORDS or s[m.end():].lstrip().startswith("("):
            continue
        found.append(word)
    return found


def check_names(where, expr, known):
    for name in metric_names(expr):
        if name not in known and name not in SCRAPE_SERIES:
            error(f"{where}: {name} is not a documented metric")


def heading_anchors(markdown):
    """GitHub's anchors for the headings of a markdown file."""
    anchors, seen = set(), {}
    fence = False
    for line in Path(markdown).read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            fence = not fence
        if fence or not re.match(r"^#{1,6} ", line):
            continue
        text = line.lstrip("#").strip().lower()
        slug = re.sub(r"[^\w\- ]", "", text).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        anchors.add(slug if count == 0 else f"{slug}-{count}")
    return anchors


def check_rules(rule_files, test_files, known, operations):
    anchors = heading_anchors(operations)
    alerts = []
    for path in rule_files:
        doc = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        for group in doc.get("groups", []):
            for rule in group.get("rules", []):
                name = rule.get("alert") or rule.get("record")
                where = f"{path}: {name}"
                check_names(where, rule["expr"], known)
                if "record" in rule:
                    # A recorded series may be read by the rules after it.
                    if rule["record"].count(":") < 2:
                        error(f"{where}: a recording rule is named level:metric:operations")
                    known = known | {rule["record"]}
                    continue
                alerts.append(name)
                severity = rule.get("labels", {}).get("severity")
                if severity not in SEVERITIES:
                    error(f"{where}: severity {severity!r} is not one of {sorted(SEVERITIES)}")
                notes = rule.get("annotations", {})
                for key in ("summary", "description", "runbook_url"):
                    if not notes.get(key):
                        error(f"{where}: no {key} annotation")
                runbook = notes.get("runbook_url", "")
                target, _, anchor = runbook.partition("#")
                if target != "docs/operations.md" or anchor not in anchors:
                    error(f"{where}: runbook_url {runbook!r} is not a heading of {operations}")
    if len(set(alerts)) != len(alerts):
        error("alert names repeat")

    firing, quiet = set(), set()
    for path in test_files:
        doc = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        for test in doc.get("tests", []):
            for case in test.get("alert_rule_test", []):
                (firing if case.get("exp_alerts") else quiet).add(case["alertname"])
    for name in alerts:
        if name not in firing:
            error(f"alert {name}: no rule test where it fires")
        if name not in quiet:
            error(f"alert {name}: no rule test where it stays quiet")
    for name in (firing | quiet) - set(alerts):
        error(f"the rule tests name {name}, which no rule defines")
    return alerts


def datasource_uids(provisioning):
    uids = set()
    for path in sorted(Path(provisioning).glob("*.y*ml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        for source in doc.get("datasources", []):
            if source.get("type") == "prometheus" and source.get("uid"):
                uids.add(source["uid"])
    if not uids:
        error(f"{provisioning}: no Prometheus data source with a uid")
    return uids


def check_dashboards(paths, known, uids):
    queries = []
    seen_uids, seen_titles = {}, {}
    for path in paths:
        try:
            board = json.loads(Path(path).read_text(encoding="utf-8"))
        except json.JSONDecodeError as e:
            error(f"{path}: not JSON: {e}")
            continue
        for key, seen in (("uid", seen_uids), ("title", seen_titles)):
            value = board.get(key)
            if not value:
                error(f"{path}: no {key}")
            elif value in seen:
                error(f"{path}: {key} {value!r} is also the {key} of {seen[value]}")
            else:
                seen[value] = path
        if not isinstance(board.get("schemaVersion"), int) or board["schemaVersion"] < 36:
            error(f"{path}: schemaVersion {board.get('schemaVersion')!r}, expected 36 or newer")
        panels = board.get("panels") or []
        if not panels:
            error(f"{path}: no panels")
        ids = [p.get("id") for p in panels]
        if len(set(ids)) != len(ids) or None in ids:
            error(f"{path}: panel ids are missing or repeat")
        for panel in panels:
            where = f"{path}: panel {panel.get('title')!r}"
            if panel.get("type") not in PANEL_TYPES:
                error(f"{where}: type {panel.get('type')!r} is not one of {sorted(PANEL_TYPES)}")
            if not panel.get("title"):
                error(f"{where}: no title")
            pos = panel.get("gridPos", {})
            if not all(isinstance(pos.get(k), int) for k in ("h", "w", "x", "y")) or pos["x"] + pos["w"] > 24:
                error(f"{where}: gridPos {pos!r}")
            if panel.get("datasource", {}).get("uid") not in uids:
                error(f"{where}: data source {panel.get('datasource')!r} is not the provisioned one")
            targets = panel.get("targets") or []
            if not targets:
                error(f"{where}: no targets")
            ref_ids = [t.get("refId") for t in targets]
            if len(set(ref_ids)) != len(ref_ids) or None in ref_ids:
                error(f"{where}: target refIds are missing or repeat")
            for target in targets:
                expr = target.get("expr", "")
                if not expr.strip():
                    error(f"{where}: target {target.get('refId')} has no expr")
                    continue
                if target.get("datasource", {}).get("uid") not in uids:
                    error(f"{where}: target {target.get('refId')} is not on the provisioned data source")
                check_names(where, expr, known)
                for variable, value in GRAFANA_VARIABLES.items():
                    expr = expr.replace(variable, value)
                if "$" in expr:
                    error(f"{where}: unknown Grafana variable in {expr!r}")
                queries.append((f"{Path(path).stem} {panel.get('title')} {target.get('refId')}", expr))
    return queries


def write_promql(path, queries):
    rules = [
        {"record": f"dashboard:query_{i}:check", "expr": expr, "labels": {"query": where}}
        for i, (where, expr) in enumerate(queries)
    ]
    Path(path).write_text(yaml.safe_dump({"groups": [{"name": "dashboards", "rules": rules}]}), encoding="utf-8")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--metrics-doc", required=True)
    parser.add_argument("--operations-doc", required=True)
    parser.add_argument("--rules", nargs="+", required=True)
    parser.add_argument("--rule-tests", nargs="+", required=True)
    parser.add_argument("--dashboards", nargs="+", required=True)
    parser.add_argument("--datasources", required=True, help="Grafana's datasource provisioning directory")
    parser.add_argument("--promql-out")
    args = parser.parse_args()

    known = documented_metrics(args.metrics_doc)
    alerts = check_rules(args.rules, args.rule_tests, known, args.operations_doc)
    queries = check_dashboards(args.dashboards, known, datasource_uids(args.datasources))
    if args.promql_out:
        write_promql(args.promql_out, queries)
    if errors:
        for message in errors:
            print(f"error: {message}", file=sys.stderr)
        sys.exit(1)
    print(
        f"{len(alerts)} alerts and {len(queries)} dashboard queries in {len(args.dashboards)} "
        f"dashboards read only the {len(known)} series documented in {args.metrics_doc}"
    )


if __name__ == "__main__":
    main()
