#!/usr/bin/env bash
# Static check of docker-compose.yml (no Docker engine here). The file must parse and resolve with
# Debian's docker-compose, and its Temporal part must be what cluster mode runs for real in CI
# (scripts/lib/cluster.ts, test/integration/cluster-mode.test.ts): the same server version as
# scripts/go-tool.sh builds, the same config template, dynamic config and schema step from
# deploy/temporal/, the same environment names, the same namespace step. Also checks the shape:
# temporalio/server + admin-tools (no auto-setup), pinned images, health checks, two worker
# replicas and one stable callback address (the callback-receiver service), simulators only in
# the `dev` profile; the operational settings of the worker and the receiver (JSON logs, metrics
# and health addresses on exposed ports, health checks on /readyz, a stop grace period above the
# worker's shutdown grace time, tracing and Temporal security passed through only when set), and
# that every variable given to the project's containers is one its code reads; and that every
# named volume a non-root container of the project's image mounts has its mount point made in the
# image owned by that user (a named volume takes its owner from the image on first use, else root).
#
# Usage: scripts/check-compose.sh [compose-file [dockerfile]] (default: the repository's; other
# files are checked as if they stood in the repository, for test/unit/compose-check.test.ts).
set -euo pipefail
cd "$(dirname "$0")/.."
compose_file="${1:-docker-compose.yml}"
dockerfile="${2:-Dockerfile}"
if ! command -v docker-compose >/dev/null 2>&1; then
  echo "Installing Debian's docker-compose for the static check..." >&2
  if [ "$(id -u)" -eq 0 ]; then
    (apt-get install -y -qq docker-compose >/dev/null 2>&1) || (apt-get update -qq && apt-get install -y -qq docker-compose >/dev/null)
  else
    echo "docker-compose is not installed and this user cannot apt-get it; skipping the compose check" >&2
    exit 0
  fi
fi
# Resolved as without any of the optional settings in the shell (they are passed through when set).
compose() {
  env -u TEMPORAL_ADDRESS -u TEMPORAL_NAMESPACE -u OTEL_EXPORTER_OTLP_ENDPOINT -u OTEL_EXPORTER_OTLP_HEADERS -u OTEL_EXPORTER_OTLP_PROTOCOL -u OTEL_SERVICE_NAME -u BANK_BASE_URL -u ESIGN_BASE_URL \
    -u PHONE_BASE_URL -u ESIGN_NOTIFY_URL docker-compose --project-directory . -f "$compose_file" "$@"
}
compose config -q
resolved="$(mktemp)"
trap 'rm -f "$resolved"' EXIT
compose --profile dev config >"$resolved"
server_version="$(sed -n '/^  server)/,/;;/s/^ *VERSION=\(.*\)$/\1/p' scripts/go-tool.sh)"

# docker-compose (Debian's) brings PyYAML with it.
python3 - "$resolved" "$server_version" "$compose_file" "$dockerfile" <<'PY'
import posixpath, re, sys, yaml

resolved, server_version, compose_file, dockerfile = sys.argv[1:5]
resolved_file = yaml.safe_load(open(resolved))
services = resolved_file["services"]
raw = open(compose_file).read()
cluster = open("scripts/lib/cluster.ts").read()
template = open("deploy/temporal/config/kyc.yaml").read()
schema_step = open("deploy/temporal/setup-schema.sh").read()
namespace_step = open("scripts/setup-namespace.ts").read()
problems = []

def need(condition, message):
    if not condition:
        problems.append(message)

need("auto-setup" not in raw, "temporalio/auto-setup is deprecated: use temporalio/server + temporalio/admin-tools")
need(re.fullmatch(r"\d+\.\d+\.\d+", server_version or "") is not None, f"no server version found in scripts/go-tool.sh ({server_version!r})")
# The project's image is built once: one service has `build:`, and every other service of that image
# runs it as built (pull_policy never: it is on no registry) after the build (depends_on).
builders = [name for name, service in services.items() if "build" in service]
need(len(builders) == 1, f"exactly one service may build the project's image (it was built once per service), found {builders}")
project_images = {services[name].get("image") for name in builders}
need(all(project_images), f"the service that builds ({builders}) must name its image")
for name, service in services.items():
    if service.get("image") not in project_images or "build" in service:
        continue
    need(service.get("pull_policy") == "never", f"{name}: runs the project's image; it needs pull_policy: never (it is built here, not pulled)")
    waits = all(((service.get("depends_on") or {}).get(builder) or {}).get("condition") == "service_completed_successfully" for builder in builders)
    need(waits, f"{name}: must depend on {builders} (condition: service_completed_successfully), so the image is built before it starts")
for name, service in services.items():
    if service.get("image") in project_images:
        continue  # the project's own image, built from this checkout
    image = service.get("image", "")
    tag = image.rsplit(":", 1)[1] if ":" in image else ""
    need(tag and tag != "latest" and re.search(r"\d", tag), f"{name}: image {image!r} is not pinned to a version")
for name in ("postgresql", "temporal", "simulators"):
    need("healthcheck" in services.get(name, {}), f"{name}: no health check")

temporal = services.get("temporal", {})
schema = services.get("temporal-schema", {})
# temporalio/server from 1.27 on is built from temporalio/temporal's .github/docker/targets/
# server.Dockerfile: Alpine with temporal-server only (no Temporal CLI, no tctl); busybox's nc is
# what it has, and temporalio/samples-server's compose checks the same way.
server_check = [str(part) for part in (temporal.get("healthcheck") or {}).get("test") or []]
need(server_check[:3] == ["CMD", "nc", "-z"] and server_check[-1] == "7233", f"temporal: the health check must be `nc -z <host> 7233` (the server image has no Temporal CLI; busybox nc is what it ships), got {server_check}")
need(temporal.get("image") == f"temporalio/server:{server_version}", f"temporal: image must be temporalio/server:{server_version} (scripts/go-tool.sh server)")
need(schema.get("image") == f"temporalio/admin-tools:{server_version}", f"temporal-schema: image must be temporalio/admin-tools:{server_version}")
need(re.search(r"SERVER_VERSION = '(\d+\.\d+\.\d+)'", cluster).group(1) == server_version, "scripts/lib/cluster.ts: TEMPORAL_SERVER_VERSION differs from scripts/go-tool.sh")

# The server: the same config template (--config <deploy/temporal>/config --env kyc) and dynamic config.
mounts = [str(volume) for volume in temporal.get("volumes", [])]
need(any("deploy/temporal:/etc/temporal/kyc" in mount for mount in mounts), "temporal: must mount ./deploy/temporal at /etc/temporal/kyc")
entry = " ".join(temporal.get("entrypoint", []))
need("--config /etc/temporal/kyc/config --env kyc" in entry, "temporal: must start with --config /etc/temporal/kyc/config --env kyc (deploy/temporal/config/kyc.yaml)")
need("join(DEPLOY_DIR, 'config'), '--env', 'kyc'" in cluster, "scripts/lib/cluster.ts no longer starts the server with deploy/temporal/config/kyc.yaml")
template_vars = set(re.findall(r'env "([A-Z_]+)"', template))
required_vars = {name for name in template_vars if not re.search(r'default "[^"]*" \(env "%s"\)' % name, template)}
temporal_env = set((temporal.get("environment") or {}).keys())
need(temporal_env <= template_vars, f"temporal: variables the config template does not read: {sorted(temporal_env - template_vars)}")
need(required_vars <= temporal_env, f"temporal: the config template needs {sorted(required_vars - temporal_env)}")
missing_in_cluster = sorted(name for name in temporal_env | required_vars if f"{name}:" not in cluster)
need(not missing_in_cluster, f"scripts/lib/cluster.ts does not set {missing_in_cluster} (compose and cluster mode must configure the template alike)")
need((temporal.get("environment") or {}).get("DYNAMIC_CONFIG_FILE_PATH") == "/etc/temporal/kyc/dynamicconfig.yaml", "temporal: DYNAMIC_CONFIG_FILE_PATH must be deploy/temporal/dynamicconfig.yaml")
need("join(DEPLOY_DIR, 'dynamicconfig.yaml')" in cluster, "scripts/lib/cluster.ts no longer uses deploy/temporal/dynamicconfig.yaml")

# The schema step: the same script with the variables it requires.
need(schema.get("command") == ["/deploy/setup-schema.sh"] and any("deploy/temporal:/deploy" in str(v) for v in schema.get("volumes", [])), "temporal-schema: must run deploy/temporal/setup-schema.sh")
need("join(DEPLOY_DIR, 'setup-schema.sh')" in cluster, "scripts/lib/cluster.ts no longer runs deploy/temporal/setup-schema.sh")
schema_needs = set(re.findall(r'"\$\{([A-Z_]+):\?\}"', schema_step))
schema_env = set((schema.get("environment") or {}).keys())
need(schema_needs and schema_needs <= schema_env, f"temporal-schema: setup-schema.sh needs {sorted(schema_needs - schema_env)}")
need(temporal.get("depends_on", {}).get("temporal-schema", {}).get("condition") == "service_completed_successfully", "temporal: must wait for temporal-schema to complete")

# The namespace step: the same function cluster mode calls.
setup = services.get("kyc-setup", {})
need(setup.get("command") == ["node", "lib/scripts/setup-namespace.js"], "kyc-setup: must run lib/scripts/setup-namespace.js")
need("ensureNamespaceSetup(" in namespace_step and "ensureNamespaceSetup(" in cluster, "scripts/setup-namespace.ts and scripts/lib/cluster.ts must both call ensureNamespaceSetup")

# Workers: two replicas without receivers of their own; the callbacks' one stable address is the
# callback-receiver service (worker/callback-main.ts), which the platform's notify URL names;
# simulators only in dev.
worker = services.get("worker", {})
worker_env = worker.get("environment") or {}
need((worker.get("deploy") or {}).get("replicas") == 2, "worker: deploy.replicas must be 2")
need(not worker.get("ports"), "worker: replicas cannot publish fixed ports")
need(worker_env.get("CALLBACK_RECEIVER") == "off", "worker: CALLBACK_RECEIVER must be off (the receiver is its own service)")
receiver = services.get("callback-receiver", {})
receiver_env = receiver.get("environment") or {}
need(receiver.get("command") == ["node", "lib/worker/callback-main.js"], "callback-receiver: must run lib/worker/callback-main.js")
need("healthcheck" in receiver, "callback-receiver: no health check")
port = str(receiver_env.get("CALLBACK_LISTEN_PORT", ""))
notify = worker_env.get("ESIGN_NOTIFY_URL", "")
need(re.match(rf"^http://callback-receiver:{port}/callbacks/esign$", notify) is not None, f"worker: ESIGN_NOTIFY_URL must be the callback-receiver service's address (port {port}), got {notify!r}")
need(receiver_env.get("CALLBACK_LISTEN_HOST") == "0.0.0.0", "callback-receiver: CALLBACK_LISTEN_HOST must be 0.0.0.0 to be reachable from other containers")
for name in ("TEMPORAL_ADDRESS", "TEMPORAL_NAMESPACE", "KYC_PAYLOAD_KEYS_FILE", "ESIGN_APP_SECRET_FILE"):
    need(receiver_env.get(name) == worker_env.get(name), f"callback-receiver: {name} must equal the worker's (same server, keys and app secret)")
sim_command = services.get("simulators", {}).get("command", [])
need("--notify-url" in sim_command and sim_command[sim_command.index("--notify-url") + 1] == notify, "simulators: --notify-url must equal the worker's ESIGN_NOTIFY_URL")
need(services.get("simulators", {}).get("profiles") == ["dev"], "simulators: must be in the `dev` profile only")
need(all("simulators" not in (service.get("depends_on") or {}) for name, service in services.items() if name != "simulators"), "no service may depend on the dev-only simulators")

# Operations: the worker and the receiver log JSON, serve metrics and health on exposed ports of
# the compose network, and are healthy only when /readyz says so (docs/observability.md).
def port_of(address):
    match = re.fullmatch(r"0\.0\.0\.0:(\d+)", str(address or ""))
    return match.group(1) if match else None

def seconds(text):
    # Compose durations (`40s`, `1m30s`) and KYC_SHUTDOWN_GRACE_TIME (`30s`, `2m`, `500ms`; a bare
    # number has no unit and is refused, as common/durations.ts refuses it).
    text = str(text or "").strip()
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|h|m|s)", text)
    if not parts or "".join(n + u for n, u in parts) != text:
        return None
    return sum(float(n) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600}[u] for n, u in parts)

raw_services = yaml.safe_load(raw)["services"]
for name in ("worker", "callback-receiver"):
    service = services.get(name, {})
    env = service.get("environment") or {}
    raw_env = raw_services.get(name, {}).get("environment") or {}
    need(env.get("KYC_LOG_FORMAT") == "json", f"{name}: KYC_LOG_FORMAT must be json")
    metrics_port = port_of(env.get("KYC_METRICS_ADDRESS"))
    health_port = port_of(env.get("KYC_HEALTH_ADDRESS"))
    need(metrics_port is not None, f"{name}: KYC_METRICS_ADDRESS must be 0.0.0.0:<port> (reachable on the compose network)")
    need(health_port is not None, f"{name}: KYC_HEALTH_ADDRESS must be 0.0.0.0:<port>")
    exposed = {str(port) for port in service.get("expose") or []}
    need(metrics_port in exposed and health_port in exposed, f"{name}: expose must list the metrics and health ports ({metrics_port}, {health_port}), got {sorted(exposed)}")
    check = " ".join(str(part) for part in (service.get("healthcheck") or {}).get("test") or [])
    need(f"127.0.0.1:{health_port}/readyz" in check, f"{name}: the health check must ask /readyz on KYC_HEALTH_ADDRESS's port {health_port}")
    for variable in ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_SERVICE_NAME"):
        need(variable in raw_env and raw_env[variable] is None, f"{name}: {variable} must be passed through from the shell (null), tracing stays optional")
    for variable in ("TEMPORAL_API_KEY", "TEMPORAL_TLS", "TEMPORAL_TLS_CLIENT_CERT_PATH", "TEMPORAL_TLS_CLIENT_KEY_PATH", "TEMPORAL_TLS_SERVER_CA_CERT_PATH", "TEMPORAL_TLS_SERVER_NAME", "TEMPORAL_CONFIG_FILE", "TEMPORAL_PROFILE"):
        need(variable in raw_env and raw_env[variable] is None, f"{name}: {variable} must be passed through from the shell (null): optional, absent unless the shell sets it")
worker_grace = seconds(worker_env.get("KYC_SHUTDOWN_GRACE_TIME"))
stop_grace = seconds(worker.get("stop_grace_period"))
need(worker_grace is not None, "worker: KYC_SHUTDOWN_GRACE_TIME must be set, a number and a unit (500ms, 30s, 2m)")
need(stop_grace is not None and worker_grace is not None and stop_grace > worker_grace, f"worker: stop_grace_period ({worker.get('stop_grace_period')}) must exceed KYC_SHUTDOWN_GRACE_TIME ({worker_env.get('KYC_SHUTDOWN_GRACE_TIME')}), or activities are killed mid-call")
for name in ("kyc-setup",):
    raw_env = raw_services.get(name, {}).get("environment") or {}
    need("TEMPORAL_API_KEY" in raw_env and "TEMPORAL_CONFIG_FILE" in raw_env, f"{name}: must reach Temporal with the workers' security settings")
for name in ("TEMPORAL_ADDRESS", "TEMPORAL_NAMESPACE"):
    need((setup.get("environment") or {}).get(name) == worker_env.get(name), f"kyc-setup: {name} must equal the worker's")

# Honest names: every variable given to the project's containers is read by its code.
import glob
sources = "".join(open(path).read() for pattern in ("common/*.ts", "worker/*.ts", "scripts/*.ts", "scripts/lib/*.ts", "client/*.ts") for path in glob.glob(pattern))
for name, service in services.items():
    if service.get("image") not in project_images or name == "simulators":
        continue
    for variable in (service.get("environment") or {}):
        need(re.search(rf"\b{re.escape(variable)}\b", sources) is not None, f"{name}: {variable} is read nowhere in common/, worker/, scripts/ or client/ (a typo, or a setting that was removed)")

# Mount points of named volumes: the project's image runs as the Dockerfile's last USER; a named
# volume mounted where the image has no directory is created root-owned, and that user then cannot
# write it (EACCES). So each such mount point must be made in the image with COPY --chown=<user>.
stage_lines, user, workdir, owned = [], "root", "/", {}
text = re.sub(r"\\\n\s*", " ", open(dockerfile).read())
for line in text.splitlines():
    words = line.split()
    if not words or words[0].startswith("#"):
        continue
    keyword = words[0].upper()
    if keyword == "FROM":
        user, workdir, owned = "root", "/", {}
    elif keyword == "WORKDIR":
        workdir = posixpath.join(workdir, words[1])
    elif keyword == "USER":
        user = words[1].split(":")[0]
    elif keyword == "COPY":
        chown = next((w.split("=", 1)[1] for w in words[1:] if w.startswith("--chown=")), None)
        if chown:
            owned[posixpath.normpath(posixpath.join(workdir, words[-1]))] = chown.split(":")[0]
named_volumes = set((resolved_file.get("volumes") or {}).keys())
for name, service in services.items():
    if service.get("image") not in project_images:
        continue
    runs_as = str(service.get("user") or user).split(":")[0]
    if runs_as in ("root", "0"):
        continue
    mounted_targets = set()
    for volume in service.get("volumes") or []:
        source, target = (volume.get("source"), volume.get("target")) if isinstance(volume, dict) else (str(volume).split(":") + [""])[:2]
        if source not in named_volumes:
            continue
        target = posixpath.normpath(target)
        mounted_targets.add(target)
        need(owned.get(target) == runs_as, f"{name}: the named volume {source} is mounted at {target}, which {dockerfile} does not make owned by {runs_as} (the user the image runs as): Docker would create it root-owned and {runs_as} could not write it; add COPY --chown={runs_as}:{runs_as} <an empty folder> {target} to the last stage")
    # A folder the command is told to write (--secrets-dir, --state-dir, ...) must be one of those
    # volumes: anywhere else in the image is root's (EACCES) and would be lost with the container.
    command = service.get("command") or []
    if name == "simulators":
        for flag in ("--secrets-dir", "--state-dir"):
            need(flag in command, f"simulators: must pass {flag} (its default lies under the image's /app, which is root's: EACCES at the first write)")
    for index, word in enumerate(command[:-1]):
        if re.fullmatch(r"--[a-z-]+-dir", str(word)):
            folder = posixpath.normpath(str(command[index + 1]))
            need(folder in mounted_targets, f"{name}: {word} {folder} is not a named volume's mount point owned by {runs_as}: the folder would be root's (EACCES) and lost with the container")

if problems:
    for problem in problems:
        print(f"{compose_file}: {problem}", file=sys.stderr)
    sys.exit(1)
PY

for file in $(grep -ho 'lib/[a-z/-]*\.js' "$compose_file" "$dockerfile" | sort -u); do
  source="${file#lib/}"
  [ -f "${source%.js}.ts" ] || { echo "$compose_file runs $file but ${source%.js}.ts does not exist" >&2; exit 1; }
done
echo "$compose_file: ok (temporalio/server:$server_version, the config, schema and namespace steps cluster mode runs)"
