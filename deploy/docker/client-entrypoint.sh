#!/bin/bash
# A backed-up server in docker-compose. At first start it generates its SSH key and borg passphrase into
# its own volume, registers the public key with the storage server (clients/<host>.pub in the shared
# registry, which the seed does with Ansible), hands the passphrase to the team (fleet-keys/, the seed's
# fetch-borg-keys.yml) and initialises its repository. Then it backs up every BACKUP_INTERVAL seconds
# with deploy/client/borg-backup.sh and refreshes its textfile metrics, like borg-backup.timer and
# prometheus-borg-textcollector.service would.
#
# Environment:
#   BORG_SITE         site label (default onsite)
#   BORG_SERVER       storage server host name (default borg-server)
#   BACKUP_INTERVAL   seconds between backups (default 300)
#   BACKUP_MAX_RUNS   stop backing up after this many runs (default: never); 0 = never back up
#   DEMO_ARCHIVE_AGE  date archives this many seconds in the past (borg create --timestamp), so that
#                     BorgMissingBackup fires minutes after the backups stop instead of 1.5 days
#   FLEET_KEYS_GID    group that may read the passphrase in fleet-keys/ (default 1000, the dashboard)
set -euo pipefail

host=$(hostname)
state=/var/lib/borg-client
registry=/srv/fleet-registry
keys=/srv/fleet-keys
server=${BORG_SERVER:-borg-server}
interval=${BACKUP_INTERVAL:-300}
max_runs=${BACKUP_MAX_RUNS:--1}

log() { printf '%s %s: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$host" "$*" >&2; }

# publish SRC DEST MODE [GROUP]: atomic copy into a shared volume.
publish() {
  local tmp
  tmp=$(mktemp "$(dirname "$2")/.${2##*/}.XXXXXX")
  cat -- "$1" >"$tmp"
  chmod "$3" "$tmp"
  if [[ -n ${4:-} ]]; then chgrp "$4" "$tmp"; fi
  mv -f -- "$tmp" "$2"
}

# 1. Identity, generated once.
install -d -m 0700 "$state" "$state/borg"
if [[ ! -f $state/id_ed25519 ]]; then
  ssh-keygen -q -t ed25519 -N '' -C "root@$host" -f "$state/id_ed25519"
  log "generated SSH key $(ssh-keygen -l -f "$state/id_ed25519.pub")"
fi
if [[ ! -s $state/passphrase ]]; then
  (umask 077 && head -c 32 /dev/urandom | base64 >"$state/passphrase.new" && mv "$state/passphrase.new" "$state/passphrase")
  log "generated borg passphrase"
fi

# 2. Register with the storage server and hand the passphrase to the team.
install -d -m 0755 "$registry/clients"
publish "$state/id_ed25519.pub" "$registry/clients/$host.pub" 0644
publish "$state/passphrase" "$keys/$host.passphrase" 0440 "${FLEET_KEYS_GID:-1000}"

# 3. Trust the storage server's published host key (no trust on first use).
until [[ -s $registry/server/known_hosts ]]; do
  log "waiting for the storage server's host key"
  sleep 2
done
cp "$registry/server/known_hosts" "$state/known_hosts"

# 4. The environment file shared by borg-backup.sh and the textfile collector (systemd syntax).
cat >/etc/borg-backup.env <<EOF
BORG_REPO="ssh://borg@$server:22/srv/borg/$host"
BORG_PASSCOMMAND="cat $state/passphrase"
BORG_RSH="ssh -i $state/id_ed25519 -o UserKnownHostsFile=$state/known_hosts -o StrictHostKeyChecking=yes -o BatchMode=yes"
BORG_BASE_DIR="$state/borg"
BORG_SITE="${BORG_SITE:-onsite}"
BACKUP_PATHS="/etc /srv/data"
TEXTFILE_DIR="/var/lib/prometheus/node-exporter"
EOF
set -a
# shellcheck source=/dev/null
. /etc/borg-backup.env
set +a

# 5. Initialise the repository; retried until the server accepts the new key.
until borg info "$BORG_REPO" >/dev/null 2>&1 || borg init --encryption=repokey-blake2 "$BORG_REPO"; do
  log "repository not reachable yet, retrying"
  sleep 5
done
touch "$state/initialised"
log "repository $BORG_REPO ready"

# 6. Some data that changes between backups, so that sizes grow.
make_data() {
  install -d /srv/data
  head -c $((256 * 1024 + RANDOM * 8)) /dev/urandom >"/srv/data/$(date -u +%Y%m%dT%H%M%S).bin"
  find /srv/data -name '*.bin' | sort | head -n -12 | xargs -r rm -f --
}

runs=0
while :; do
  if ((max_runs >= 0 && runs >= max_runs)); then
    log "no more backups after $runs (BACKUP_MAX_RUNS=$max_runs); the alerts should follow"
    borg-textfile-collector.sh || log "textfile collector failed"
    exec sleep infinity
  fi
  make_data
  if [[ -n ${DEMO_ARCHIVE_AGE:-} ]]; then
    BORG_BACKUP_TIMESTAMP=$(date -u -d "@$(($(date +%s) - DEMO_ARCHIVE_AGE))" +%Y-%m-%dT%H:%M:%S)
    export BORG_BACKUP_TIMESTAMP
  fi
  if borg-backup.sh; then log "backup done"; else log "backup failed"; fi
  borg-textfile-collector.sh || log "textfile collector failed"
  runs=$((runs + 1))
  sleep "$interval"
done
