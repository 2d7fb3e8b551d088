#!/bin/sh
# Entrypoint of the dashboard image (runs as the unprivileged "node" user).
#  - ALERTS_TOKEN_FILE / METRICS_TOKEN_FILE: read the tokens from files (docker-compose volumes), so they
#    never appear in the compose file or in `docker inspect`.
#  - FLEET_SSH_KEY: the dashboard's SSH key (a team key in the seed's model: borg serve restricted to the
#    whole /srv/borg tree), generated at first start; FLEET_REGISTER_KEY_AS: where to publish its public
#    key for the storage server (docker-compose's key registry).
set -eu

if [ -n "${ALERTS_TOKEN_FILE:-}" ]; then
  ALERTS_TOKEN=$(cat "$ALERTS_TOKEN_FILE")
  export ALERTS_TOKEN
fi
if [ -n "${METRICS_TOKEN_FILE:-}" ]; then
  METRICS_TOKEN=$(cat "$METRICS_TOKEN_FILE")
  export METRICS_TOKEN
fi

if [ -n "${FLEET_SSH_KEY:-}" ]; then
  if [ ! -f "$FLEET_SSH_KEY" ]; then
    mkdir -p "$(dirname "$FLEET_SSH_KEY")"
    chmod 0700 "$(dirname "$FLEET_SSH_KEY")"
    ssh-keygen -q -t ed25519 -N '' -C borg-fleet-dashboard -f "$FLEET_SSH_KEY"
    echo "borg-fleet: generated SSH key $(ssh-keygen -l -f "$FLEET_SSH_KEY.pub")"
  fi
  if [ -n "${FLEET_REGISTER_KEY_AS:-}" ]; then
    tmp="$(dirname "$FLEET_REGISTER_KEY_AS")/.$(basename "$FLEET_REGISTER_KEY_AS").$$"
    cp "$FLEET_SSH_KEY.pub" "$tmp"
    chmod 0644 "$tmp"
    mv -f "$tmp" "$FLEET_REGISTER_KEY_AS"
  fi
fi

exec "$@"
