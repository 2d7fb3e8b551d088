#!/usr/bin/env bash
# Backs this host up into its own borg repository, then prunes it (the seed's GFS scheme: 7 daily,
# 4 weekly, 6 monthly) and compacts it. Modelled on borg-backup.sh.j2 of the Arch Linux infrastructure,
# without the database dumps and btrfs snapshots (run those from ExecStartPre= if you need them).
#
# Environment (systemd: EnvironmentFile=/etc/borg-backup.env):
#   BORG_REPO, BORG_PASSCOMMAND, BORG_RSH, ...   how borg reaches and opens the repository
#   BACKUP_PATHS           space-separated paths (default: /), one filesystem each (--one-file-system)
#   BACKUP_EXCLUDE_FILE    optional borg --exclude-from file
#   BORG_COMPRESSION       default zstd,3
#   BORG_LOCK_WAIT         seconds to wait for the repository lock (default 600): the dashboard and the
#                          textfile collector read the repository too, and must never make a backup fail
#   BORG_BACKUP_TIMESTAMP  optional archive time (UTC, yyyy-mm-ddThh:mm:ss); demo and tests only
set -euo pipefail

: "${BORG_REPO:?set BORG_REPO to the repository of this host}"
export TZ=UTC

read -r -a paths <<<"${BACKUP_PATHS:-/}"
lock_wait=${BORG_LOCK_WAIT:-600}

create_args=(--verbose --stats --show-rc --one-file-system --exclude-caches
  --compression "${BORG_COMPRESSION:-zstd,3}" --lock-wait "$lock_wait")
if [[ -n ${BACKUP_EXCLUDE_FILE:-} ]]; then
  create_args+=(--exclude-from "$BACKUP_EXCLUDE_FILE")
fi
if [[ -n ${BORG_BACKUP_TIMESTAMP:-} ]]; then
  create_args+=(--timestamp "$BORG_BACKUP_TIMESTAMP")
fi

# rc 1 is a warning (e.g. a file changed while it was read): the archive exists, carry on.
rc=0
borg create "${create_args[@]}" "::{hostname}-{now:%Y-%m-%dT%H:%M:%S}" "${paths[@]}" || rc=$?
if ((rc > 1)); then
  echo "borg-backup: borg create failed (rc $rc)" >&2
  exit "$rc"
fi

borg prune --list --show-rc --lock-wait "$lock_wait" --glob-archives '{hostname}-*' \
  --keep-daily 7 --keep-weekly 4 --keep-monthly 6
# Pruned space is freed only by compact (borg 1.2).
borg compact --show-rc --lock-wait "$lock_wait"
if ((rc == 1)); then
  echo "borg-backup: borg create finished with warnings (see above); the archive was written" >&2
fi
