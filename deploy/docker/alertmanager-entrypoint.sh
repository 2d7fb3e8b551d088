#!/bin/sh
# Alertmanager in docker-compose (busybox sh of the prom/alertmanager image).
#
# prometheus/alertmanager.yml posts to the dashboard on loopback (local stack, single-host installs). In
# compose the dashboard is another container, so this renders a copy whose webhook URL is DASHBOARD_URL;
# templates and the token stay where the copy's relative paths expect them. Nothing else is changed: a
# config whose webhook URL is not the loopback one is refused rather than silently left alone.
set -eu

src=${ALERTMANAGER_SOURCE:-/etc/borg-fleet/prometheus}
dst=${ALERTMANAGER_RENDERED:-/tmp/alertmanager}
loopback=http://127.0.0.1:3000/
target=${DASHBOARD_URL:-http://dashboard:3000}/

grep -q "url: ${loopback}api/alerts" "$src/alertmanager.yml" || {
  echo "alertmanager-entrypoint: ${loopback}api/alerts not found in $src/alertmanager.yml" >&2
  exit 1
}
mkdir -p "$dst"
sed "s#url: ${loopback}#url: ${target}#" "$src/alertmanager.yml" >"$dst/alertmanager.yml"
ln -sfn "$src/templates" "$dst/templates"
ln -sfn "${ALERTMANAGER_SECRETS:-/run/secrets/alerts}" "$dst/secrets"

exec "${ALERTMANAGER_BIN:-/bin/alertmanager}" --config.file="$dst/alertmanager.yml" \
  --storage.path="${ALERTMANAGER_STORAGE:-/alertmanager}" "$@"
