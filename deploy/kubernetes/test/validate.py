"""Validates rendered Kubernetes manifests (the output of `kubectl kustomize` of an
overlay) and asserts the deployment's rules on them.

- Built-in kinds are validated with kubernetes-validate, strictly (an unknown field is
  an error), against each Kubernetes version given with --kubernetes-version.
- ServiceMonitor is validated against the CRD schema in servicemonitor.schema.yaml,
  closed the way strict field validation closes it: a field the schema does not list
  is an error.
- Any other kind is an error, and so is a Secret: secrets are created in the cluster,
  never rendered from the repository.
- Every workload: pod and containers run as non-root with the RuntimeDefault seccomp
  profile, no privilege escalation, a read-only root filesystem, every capability
  dropped, CPU and memory requests and limits, liveness and readiness probes, no
  service account token and no service links (Kubernetes would inject BOURSE_SERVICE_*
  variables, which the venue refuses). The venue's StatefulSet has exactly one replica
  (the single writer of its journal), and nothing autoscales it.
- A default-deny NetworkPolicy for ingress and egress; a PodDisruptionBudget that lets a
  node drain; /metrics kept off the Ingress; the ServiceMonitor, the Ingresses and the
  Services refer to what exists;
  environment variables from the ConfigMaps are ones the venue accepts.
"""

import argparse
import copy
import re
import sys
from pathlib import Path

import jsonschema
import kubernetes_validate
from kubernetes_validate.utils import VersionNotSupportedError
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "test"))
import bourse_env  # noqa: E402

BUILT_IN = {
    ("v1", "ConfigMap"),
    ("v1", "Service"),
    ("v1", "ServiceAccount"),
    ("apps/v1", "StatefulSet"),
    ("apps/v1", "Deployment"),
    ("networking.k8s.io/v1", "Ingress"),
    ("networking.k8s.io/v1", "NetworkPolicy"),
    ("policy/v1", "PodDisruptionBudget"),
    ("autoscaling/v2", "HorizontalPodAutoscaler"),
}
CUSTOM = {("monitoring.coreos.com/v1", "ServiceMonitor")}
WORKLOADS = {"StatefulSet", "Deployment", "DaemonSet", "Job", "CronJob", "Pod"}
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
VENUE = "bourse"

errors = []


def error(where, message):
    errors.append(f"{where}: {message}")


def closed(schema):
    """The schema with every object that lists its properties closed to others, as the
    API server's strict field validation treats a structural schema."""
    schema = copy.deepcopy(schema)

    def close(node):
        if isinstance(node, dict):
            if (
                "properties" in node
                and "additionalProperties" not in node
                and not node.get("x-kubernetes-preserve-unknown-fields")
            ):
                node["additionalProperties"] = False
            for value in node.values():
                close(value)
        elif isinstance(node, list):
            for value in node:
                close(value)

    close(schema)
    return schema


def pod_spec(doc):
    spec = doc.get("spec") or {}
    if doc["kind"] == "Pod":
        return spec
    if doc["kind"] == "CronJob":
        return spec.get("jobTemplate", {}).get("spec", {}).get("template", {}).get("spec", {})
    return spec.get("template", {}).get("spec", {})


def check_workload(where, doc):
    pod = pod_spec(doc)
    pod_sc = pod.get("securityContext") or {}
    if pod.get("automountServiceAccountToken") is not False:
        error(where, "automountServiceAccountToken is not false")
    if pod.get("enableServiceLinks") is not False:
        error(where, "enableServiceLinks is not false (the venue refuses the injected BOURSE_* variables)")
    if pod_sc.get("runAsUser") == 0 or pod_sc.get("runAsGroup") == 0:
        error(where, "the pod runs as root")
    containers = (pod.get("initContainers") or []) + (pod.get("containers") or [])
    if not pod.get("containers"):
        error(where, "no containers")
    for container in containers:
        cwhere = f"{where} container {container.get('name')}"
        sc = container.get("securityContext") or {}
        if not (sc.get("runAsNonRoot") or (pod_sc.get("runAsNonRoot") and "runAsNonRoot" not in sc)):
            error(cwhere, "runAsNonRoot is not true")
        if sc.get("runAsUser") == 0:
            error(cwhere, "runs as root")
        seccomp = (sc.get("seccompProfile") or pod_sc.get("seccompProfile") or {}).get("type")
        if seccomp != "RuntimeDefault":
            error(cwhere, f"seccomp profile {seccomp!r}, expected RuntimeDefault")
        if sc.get("allowPrivilegeEscalation") is not False:
            error(cwhere, "allowPrivilegeEscalation is not false")
        if sc.get("readOnlyRootFilesystem") is not True:
            error(cwhere, "readOnlyRootFilesystem is not true")
        if sc.get("privileged"):
            error(cwhere, "privileged")
        if "ALL" not in ((sc.get("capabilities") or {}).get("drop") or []):
            error(cwhere, "capabilities do not drop ALL")
        if (sc.get("capabilities") or {}).get("add"):
            error(cwhere, "adds capabilities")
        resources = container.get("resources") or {}
        for kind in ("requests", "limits"):
            for resource in ("cpu", "memory"):
                if resource not in (resources.get(kind) or {}):
                    error(cwhere, f"no {resource} in resources.{kind}")
        if container in (pod.get("containers") or []):
            for probe in ("livenessProbe", "readinessProbe"):
                if not container.get(probe):
                    error(cwhere, f"no {probe}")
        if ":" not in container.get("image", "").rsplit("/", 1)[-1] and "@" not in container.get("image", ""):
            error(cwhere, f"image {container.get('image')!r} has no tag")
        if container.get("image", "").endswith(":latest"):
            error(cwhere, "image tag latest")
    if doc["kind"] == "StatefulSet" and doc["metadata"]["name"] == VENUE:
        if doc["spec"].get("replicas") != 1:
            error(where, f"replicas {doc['spec'].get('replicas')!r}: the engine is the single writer of its journal, exactly 1")
        claims = [c["metadata"]["name"] for c in doc["spec"].get("volumeClaimTemplates") or []]
        mounts = {m["name"]: m["mountPath"] for c in pod.get("containers", []) for m in c.get("volumeMounts") or []}
        data = [name for name in claims if mounts.get(name) == "/var/lib/bourse"]
        if not data:
            error(where, "the data directory /var/lib/bourse is not on a volumeClaimTemplate")
        if mounts.get("tmp") != "/tmp" and "/tmp" not in mounts.values():
            error(where, "no writable /tmp")


def pod_labels(doc):
    if doc["kind"] == "Pod":
        return doc["metadata"].get("labels") or {}
    return (doc.get("spec", {}).get("template", {}).get("metadata", {}).get("labels")) or {}


def selects(selector, labels):
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def check_relations(where, docs, accepted):
    by_kind = {}
    for doc in docs:
        by_kind.setdefault(doc["kind"], []).append(doc)
    services = {d["metadata"]["name"]: d for d in by_kind.get("Service", [])}
    workloads = [d for d in docs if d["kind"] in WORKLOADS]
    venue = next((d for d in by_kind.get("StatefulSet", []) if d["metadata"]["name"] == VENUE), None)
    if not venue:
        error(where, f"no StatefulSet {VENUE}")
        return

    deny = [
        p for p in by_kind.get("NetworkPolicy", [])
        if p["spec"].get("podSelector") in ({}, None)
        and {"Ingress", "Egress"} <= set(p["spec"].get("policyTypes") or [])
        and not p["spec"].get("ingress") and not p["spec"].get("egress")
    ]
    if not deny:
        error(where, "no default-deny NetworkPolicy (empty podSelector, Ingress and Egress, no rules)")

    for hpa in by_kind.get("HorizontalPodAutoscaler", []):
        target = hpa["spec"].get("scaleTargetRef", {})
        if target.get("kind") == "StatefulSet" and target.get("name") == VENUE:
            error(where, f"HorizontalPodAutoscaler {hpa['metadata']['name']} scales the engine, which must stay at one replica")

    for pdb in by_kind.get("PodDisruptionBudget", []):
        spec = pdb["spec"]
        if selects(spec.get("selector", {}).get("matchLabels"), pod_labels(venue)):
            if spec.get("maxUnavailable") in (0, "0", "0%") or spec.get("minAvailable") not in (None, 0, "0", "0%"):
                error(where, f"PodDisruptionBudget {pdb['metadata']['name']} blocks every node drain of a single replica")

    if venue["spec"].get("serviceName") not in services or services[venue["spec"]["serviceName"]]["spec"].get("clusterIP") != "None":
        error(where, f"the StatefulSet's serviceName {venue['spec'].get('serviceName')!r} is not a headless Service")

    for name, service in services.items():
        selector = service["spec"].get("selector") or {}
        targets = [w for w in workloads if selects(selector, pod_labels(w))]
        if not targets:
            error(where, f"Service {name} selects no workload")
        ports = {p.get("name") for w in targets for c in pod_spec(w).get("containers", []) for p in c.get("ports") or []}
        for port in service["spec"].get("ports") or []:
            if isinstance(port.get("targetPort"), str) and port["targetPort"] not in ports:
                error(where, f"Service {name} targets port {port['targetPort']!r}, which no selected container names")

    for ingress in by_kind.get("Ingress", []):
        for rule in ingress["spec"].get("rules") or []:
            if not DNS_SUBDOMAIN.match(rule.get("host", "")):
                error(where, f"Ingress {ingress['metadata']['name']}: host {rule.get('host')!r}")
            for path in (rule.get("http") or {}).get("paths") or []:
                backend = path.get("backend", {}).get("service", {})
                service = services.get(backend.get("name"))
                port = backend.get("port", {})
                names = {p.get("name") for p in (service or {}).get("spec", {}).get("ports") or []}
                numbers = {p.get("port") for p in (service or {}).get("spec", {}).get("ports") or []}
                if not service or (port.get("name") not in names and port.get("number") not in numbers):
                    error(where, f"Ingress {ingress['metadata']['name']}: backend {backend!r} does not exist")

    # /metrics answers without a login: an Ingress that publishes the venue's root must
    # come with one that keeps /metrics to allowed sources.
    publishes_root = any(
        p.get("path") == "/" and p.get("pathType") == "Prefix"
        for i in by_kind.get("Ingress", []) for r in i["spec"].get("rules") or []
        for p in (r.get("http") or {}).get("paths") or []
    )
    guarded = any(
        any(k.endswith(("/whitelist-source-range", "/allowlist-source-range")) for k in (i["metadata"].get("annotations") or {}))
        and any(
            p.get("path") == "/metrics" and p.get("pathType") == "Exact"
            for r in i["spec"].get("rules") or [] for p in (r.get("http") or {}).get("paths") or []
        )
        for i in by_kind.get("Ingress", [])
    )
    if publishes_root and not guarded:
        error(where, "the Ingress publishes /metrics: no Ingress restricts the path /metrics to allowed sources")

    for monitor in by_kind.get("ServiceMonitor", []):
        selector = monitor["spec"]["selector"].get("matchLabels") or {}
        matched = [s for s in services.values() if selects(selector, s["metadata"].get("labels") or {})]
        if len(matched) != 1:
            error(where, f"ServiceMonitor {monitor['metadata']['name']} selects {len(matched)} Services, expected exactly one (each would be scraped)")
        for endpoint in monitor["spec"]["endpoints"]:
            names = {p.get("name") for s in matched for p in s["spec"].get("ports") or []}
            if endpoint.get("port") not in names:
                error(where, f"ServiceMonitor {monitor['metadata']['name']}: port {endpoint.get('port')!r} is not a port of the Service")

    configmaps = {c["metadata"]["name"]: c for c in by_kind.get("ConfigMap", [])}
    for workload in workloads:
        for container in pod_spec(workload).get("containers", []):
            names = {e["name"] for e in container.get("env") or []}
            for source in container.get("envFrom") or []:
                ref = (source.get("configMapRef") or {}).get("name")
                if ref:
                    if ref not in configmaps:
                        error(where, f"{workload['kind']} {workload['metadata']['name']}: ConfigMap {ref} is not rendered")
                    names |= set((configmaps.get(ref) or {}).get("data") or {})
            refused = bourse_env.unknown(names, accepted)
            if refused:
                error(where, f"{workload['kind']} {workload['metadata']['name']}: the venue refuses {', '.join(refused)}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rendered", nargs="+", help="files of rendered manifests, one per overlay")
    parser.add_argument("--kubernetes-version", action="append", required=True)
    parser.add_argument("--servicemonitor-schema", required=True)
    parser.add_argument("--config-doc", required=True)
    args = parser.parse_args()

    accepted = bourse_env.accepted_names(args.config_doc)
    monitor_schema = closed(yaml.safe_load(Path(args.servicemonitor_schema).read_text(encoding="utf-8")))
    monitor_validator = jsonschema.Draft202012Validator(monitor_schema)

    for path in args.rendered:
        docs = [d for d in yaml.safe_load_all(Path(path).read_text(encoding="utf-8")) if d]
        if not docs:
            error(path, "nothing rendered")
        for doc in docs:
            kind, api = doc.get("kind"), doc.get("apiVersion")
            name = (doc.get("metadata") or {}).get("name", "")
            where = f"{path}: {kind} {name}"
            if kind == "Secret":
                error(where, "a Secret is rendered; create secrets in the cluster (docs/operations.md)")
                continue
            if not DNS_SUBDOMAIN.match(name) or len(name) > 253:
                error(where, "the name is not a DNS subdomain")
            if (api, kind) in BUILT_IN:
                for version in args.kubernetes_version:
                    try:
                        kubernetes_validate.validate(doc, version, strict=True)
                    except kubernetes_validate.ValidationError as e:
                        location = "/".join(str(p) for p in e.absolute_path) or "(top)"
                        error(where, f"Kubernetes {version}: {location}: {e.message}")
                    except (kubernetes_validate.SchemaNotFoundError, VersionNotSupportedError) as e:
                        error(where, f"Kubernetes {version}: {e.message}")
            elif (api, kind) in CUSTOM:
                for problem in monitor_validator.iter_errors(doc):
                    location = "/".join(str(p) for p in problem.absolute_path) or "(top)"
                    error(where, f"ServiceMonitor schema: {location}: {problem.message}")
            else:
                error(where, f"{api} {kind} is neither a known built-in kind nor a known custom resource")
                continue
            if kind in WORKLOADS:
                check_workload(where, doc)
        check_relations(path, docs, accepted)
        if not errors:
            kinds = sorted({d["kind"] for d in docs})
            print(f"{path}: {len(docs)} objects valid ({', '.join(kinds)})")

    if errors:
        for message in errors:
            print(f"error: {message}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
