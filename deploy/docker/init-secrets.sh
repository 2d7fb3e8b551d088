#!/bin/bash
# One-shot service of docker-compose: creates the demo's secrets and shared directories in their named
# volumes at first start and keeps them afterwards. Nothing secret is in the repository.
#   /run/secrets/alerts/alerts_token        dashboard (uid 1000) and Alertmanager (nobody, 65534)
#   /run/secrets/metrics/metrics_token      dashboard (uid 1000) and Prometheus (nobody, 65534)
#   /run/secrets/grafana/admin_password     Grafana (uid 472); read it with
#       docker compose exec grafana cat /run/secrets/grafana/admin_password
#   /srv/fleet-registry/{clients,team,server}   public keys and the server's host key
#   /srv/fleet-keys                          repository passphrases, readable by the dashboard only
set -euo pipefail
umask 077

# new_secret FILE OWNER MODE
new_secret() {
  if [[ -s $1 ]]; then
    echo "init-secrets: keeping $1"
    return
  fi
  head -c 32 /dev/urandom | base64 | tr -d '\n=+/' >"$1.new"
  chown "$2" "$1.new"
  chmod "$3" "$1.new"
  mv -f "$1.new" "$1"
  echo "init-secrets: created $1"
}

dashboard=${DASHBOARD_UID:-1000}
alertmanager=${ALERTMANAGER_UID:-65534}
prometheus=${PROMETHEUS_UID:-65534}
grafana=${GRAFANA_UID:-472}

new_secret /run/secrets/alerts/alerts_token "$alertmanager:$dashboard" 0440
new_secret /run/secrets/metrics/metrics_token "$prometheus:$dashboard" 0440
new_secret /run/secrets/grafana/admin_password "$grafana:0" 0400

install -d -m 0755 /srv/fleet-registry /srv/fleet-registry/clients /srv/fleet-registry/server
install -d -m 0755 -o "$dashboard" -g "$dashboard" /srv/fleet-registry/team
install -d -m 0750 -o 0 -g "$dashboard" /srv/fleet-keys
