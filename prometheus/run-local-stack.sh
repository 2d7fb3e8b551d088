#!/usr/bin/env bash
# Runs the monitoring stack on loopback next to a local dashboard (npm run demo / next start on :3000):
#   Prometheus 127.0.0.1:9090, Alertmanager 127.0.0.1:9093, node_exporter 127.0.0.1:9100
# with prometheus/prometheus.yml, targets/local/ and alertmanager.yml exactly as shipped (Debian packages
# prometheus, prometheus-alertmanager, prometheus-node-exporter). Stops everything on Ctrl-C.
#
#   ALERTS_TOKEN=<the dashboard's token> prometheus/run-local-stack.sh [DATA_DIR]
#
# ALERTS_TOKEN (if set) is written to prometheus/secrets/alerts_token (mode 0600), where alertmanager.yml
# reads it. DATA_DIR (default .demo/monitoring) holds the TSDB, Alertmanager's state and the textfile
# collector directory (textfile/) for deploy/textfile-collector.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
data=${1:-$here/../.demo/monitoring}
mkdir -p "$data/prometheus" "$data/alertmanager" "$data/textfile" "$here/secrets"

if [[ -n ${ALERTS_TOKEN:-} ]]; then
  (umask 077 && printf '%s\n' "$ALERTS_TOKEN" >"$here/secrets/alerts_token")
fi
if [[ ! -s $here/secrets/alerts_token ]]; then
  echo "run-local-stack: set ALERTS_TOKEN (the dashboard's) or write $here/secrets/alerts_token" >&2
  exit 2
fi

pids=()
stop() {
  trap - INT TERM EXIT
  if ((${#pids[@]})); then
    kill "${pids[@]}" 2>/dev/null || true
    wait "${pids[@]}" 2>/dev/null || true
  fi
}
trap stop INT TERM EXIT

prometheus --config.file="$here/prometheus.yml" --storage.tsdb.path="$data/prometheus" \
  --web.listen-address=127.0.0.1:9090 --web.enable-lifecycle &
pids+=($!)
prometheus-alertmanager --config.file="$here/alertmanager.yml" --storage.path="$data/alertmanager" \
  --web.listen-address=127.0.0.1:9093 --cluster.listen-address= &
pids+=($!)
prometheus-node-exporter --web.listen-address=127.0.0.1:9100 \
  --collector.textfile.directory="$data/textfile" &
pids+=($!)

echo "run-local-stack: Prometheus http://127.0.0.1:9090  Alertmanager http://127.0.0.1:9093  node_exporter :9100"
# Stop everything as soon as one of them exits.
wait -n "${pids[@]}"
