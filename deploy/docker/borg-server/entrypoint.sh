#!/bin/bash
# borg-server container: generates the SSH host key at first start (kept in a volume), publishes it for
# the clients and the dashboard (no trust on first use), and runs sshd. Authorized keys are built on each
# login from the registry by fleet-authorized-keys.
set -euo pipefail

registry=${FLEET_REGISTRY:-/srv/fleet-registry}
name=${BORG_SERVER_NAME:-borg-server}
key=/etc/ssh/hostkeys/ssh_host_ed25519_key

install -d -m 0755 /etc/ssh/hostkeys /run/sshd
if [[ ! -f $key ]]; then
  ssh-keygen -q -t ed25519 -N '' -C "$name" -f "$key"
  echo "borg-server: generated SSH host key $(ssh-keygen -l -f "$key.pub")"
fi

install -d -m 0755 "$registry/server"
tmp=$(mktemp "$registry/server/.known_hosts.XXXXXX")
printf '%s %s\n' "$name" "$(cut -d' ' -f1,2 "$key.pub")" >"$tmp"
chmod 0644 "$tmp"
mv -f "$tmp" "$registry/server/known_hosts"

# Repositories live in /srv/borg/<host>, owned by the borg account.
install -d -o borg -g borg -m 0750 /srv/borg

echo "borg-server: authorized keys right now:"
FLEET_REGISTRY=$registry /usr/local/sbin/fleet-authorized-keys borg | sed 's/^/  /'

exec /usr/sbin/sshd -D -e
