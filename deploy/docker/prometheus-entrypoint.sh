#!/bin/sh
# Prometheus in docker-compose (busybox sh of the prom/prometheus image).
#
# prometheus/prometheus.yml scrapes the dashboard's /metrics without a token: the local stack, where the
# demo's /metrics stays open on loopback. In compose the dashboard requires METRICS_TOKEN, so this
# renders a copy whose borg-fleet job sends the token from the secrets volume (a file: the token is
# never in a config, an environment or `docker inspect`). rules/ and targets/ stay where the copy's
# relative paths expect them. Nothing else is changed; a config without the borg-fleet job is refused.
set -eu

src=${PROMETHEUS_SOURCE:-/etc/prometheus}
dst=${PROMETHEUS_RENDERED:-/tmp/prometheus}
token=${METRICS_TOKEN_FILE:-/run/secrets/metrics/metrics_token}

grep -q '^  - job_name: borg-fleet$' "$src/prometheus.yml" || {
  echo "prometheus-entrypoint: no borg-fleet job in $src/prometheus.yml" >&2
  exit 1
}
mkdir -p "$dst"
sed "/^  - job_name: borg-fleet\$/a\\
    authorization: { credentials_file: $token }" "$src/prometheus.yml" >"$dst/prometheus.yml"
ln -sfn "$src/rules" "$dst/rules"
ln -sfn "$src/targets" "$dst/targets"

exec "${PROMETHEUS_BIN:-/bin/prometheus}" --config.file="$dst/prometheus.yml" "$@"
