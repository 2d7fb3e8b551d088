#!/usr/bin/env bash
# Backs this host up into its own borg repository: the seed's workflow, modelled on borg-backup.sh.j2
# of the Arch Linux infrastructure.
#
#   1. Database dumps: if PostgreSQL or MariaDB/MySQL is running, dump every database with the official
#      tools (pg_dump -Fc + pg_dumpall --globals-only, mysqldump --single-transaction) into DUMP_DIR,
#      which lies on the backed-up filesystem, so the dumps end up in the archive.
#   2. If the backup root is on btrfs: enumerate the root subvolume and every nested subvolume, snapshot
#      each read-only as <subvolume>/backup-snapshot, bind-mount the snapshots into BACKUP_MOUNT (/backup)
#      so the tree there mirrors the live system, and back that up. Otherwise back up the root directly
#      (--one-file-system).
#   3. borg create (archive named from the date), borg prune (GFS: 7 daily, 4 weekly, 6 monthly by
#      default), borg compact.
#   A trap unmounts the bind mounts and deletes the snapshots on every exit path (success, failure,
#   SIGINT/SIGTERM). A lock (flock) stops two runs overlapping. Every run reports start and end (exit
#   status, log tail) to PING_URL (the dashboard's /ping/<token>, Healthchecks.io-compatible).
#   Archives hold paths relative to the root ("etc/passwd"): `borg extract` from / restores in place.
#
# Configuration: one environment file, /etc/borg-backup.env (systemd EnvironmentFile=, also read by the
# borg wrapper and the textfile collector). See borg-backup.env.example. Variables:
#   BORG_REPO, BORG_PASSCOMMAND, BORG_RSH, ...   how borg reaches and opens the repository
#   BORG_BIN               borg to run (default: borg)
#   BACKUP_ROOT            the system to back up (default /); tests point it at a scratch filesystem
#   BACKUP_MOUNT           where btrfs snapshots are bind-mounted (default /backup)
#   BACKUP_SNAPSHOT_NAME   snapshot name inside each subvolume (default backup-snapshot)
#   BACKUP_PATHS           optional: back up exactly these space-separated paths instead (no snapshots)
#   BACKUP_EXCLUDE_FILE    optional borg --exclude-from file
#   DUMP_DIR               database dumps (default $BACKUP_ROOT/var/backups/borg-dumps); DUMP_DATABASES=no skips
#   PG_USER                operating-system user that runs pg_dump (default postgres); PGHOST/PGPORT as usual
#   PRUNE_KEEP_DAILY, PRUNE_KEEP_WEEKLY, PRUNE_KEEP_MONTHLY   (default 7, 4, 6); PRUNE=no skips prune+compact
#   BORG_COMPRESSION       default zstd,3
#   BORG_LOCK_WAIT         seconds to wait for the repository lock (default 21600 = 6 h: the dashboard's
#                          integrity checks hold the lock exclusively for up to checks.timeout, 6 h by
#                          default; a backup that starts meanwhile waits instead of failing)
#   BACKUP_LOCK_FILE       run lock (default /run/lock/borg-backup.lock)
#   BACKUP_LOG_FILE        this run's log (default: a temporary file)
#   PING_URL               e.g. https://fleet.example.com/ping/<token>; empty: no reports
#   BORG_BACKUP_TIMESTAMP  optional archive time (UTC, yyyy-mm-ddThh:mm:ss); demo and tests only
#
# Exit status: borg's (0 ok, 1 warnings), 2+ failure, 75 another run holds the lock.
set -euo pipefail

: "${BORG_REPO:?set BORG_REPO to the repository of this host}"
export TZ=UTC

borg_bin=${BORG_BIN:-borg}
root=${BACKUP_ROOT:-/}
mount_dir=${BACKUP_MOUNT:-/backup}
snap_name=${BACKUP_SNAPSHOT_NAME:-backup-snapshot}
dump_dir=${DUMP_DIR:-${root%/}/var/backups/borg-dumps}
lock_wait=${BORG_LOCK_WAIT:-21600}
lock_file=${BACKUP_LOCK_FILE:-/run/lock/borg-backup.lock}
ping_url=${PING_URL:-}

# State for the cleanup trap: mounts and snapshots made by this run, in creation order.
mounts=()
snapshots=()
log_file=""
own_log=0
started=0
tee_pid=""
create_rc=0
dump_failed=0

log() {
  printf 'borg-backup: %s\n' "$*" >&2
}

# ping SUFFIX [BODY_FILE]: report to the dashboard; never fails the backup.
ping() {
  [[ -n $ping_url ]] || return 0
  local url=${ping_url%/}$1
  if ! command -v curl >/dev/null; then
    log "PING_URL is set but curl is not installed: no report"
    return 0
  fi
  # The URL (it holds the token) goes through stdin, not the command line that `ps` shows.
  local args=(-fsS -m 10 --retry 3 -o /dev/null --config -)
  if [[ -n ${2:-} ]]; then args+=(-H 'Content-Type: text/plain; charset=utf-8' --data-binary "@$2"); fi
  printf 'url = "%s"\n' "$url" | curl "${args[@]}" || log "report to ${url%%/ping/*}/ping/… failed"
}

cleanup() {
  local i
  # Reverse order: nested mounts before the mounts they sit on.
  for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do
    umount -- "${mounts[i]}" 2>/dev/null || umount --lazy -- "${mounts[i]}" || log "could not unmount ${mounts[i]}"
  done
  mounts=()
  for ((i = ${#snapshots[@]} - 1; i >= 0; i--)); do
    btrfs subvolume delete -- "${snapshots[i]}" >/dev/null || log "could not delete snapshot ${snapshots[i]}"
  done
  snapshots=()
}

# shellcheck disable=SC2317 # invoked by the EXIT trap
on_exit() {
  local rc=$?
  trap - EXIT INT TERM
  if [[ -n $tee_pid ]]; then
    # Back to the journal only; let tee write the rest of the log before its tail is read.
    exec 1>&3 2>&3
    wait "$tee_pid" 2>/dev/null || true
  fi
  cleanup
  if ((started)); then
    local tail_file
    tail_file=$(mktemp)
    # The last lines of the log, at most 64 KiB (the dashboard keeps up to 100 KiB).
    tail -n 200 -- "$log_file" | tail -c 65536 >"$tail_file" || true
    printf 'exit status %s after %ss\n' "$rc" "$((SECONDS))" >>"$tail_file"
    ping "/$rc" "$tail_file"
    rm -f -- "$tail_file"
  fi
  if ((own_log)); then rm -f -- "$log_file"; fi
  exit "$rc"
}

# is_btrfs_subvolume DIR: DIR is the top directory of a btrfs subvolume (inode 256 on btrfs).
is_btrfs_subvolume() {
  [[ $(stat -f -c %T -- "$1" 2>/dev/null) == btrfs && $(stat -c %i -- "$1") == 256 ]]
}

# list_subvolumes DIR: prints DIR's nested subvolumes (absolute paths), parents before children.
list_subvolumes() {
  local dir=$1 self child rel
  self=$(btrfs subvolume show -- "$dir" | head -n 1)
  while IFS= read -r child; do
    # `btrfs subvolume list -o` prints paths relative to the filesystem's top level.
    if [[ $self == / || $self == "<FS_TREE>" ]]; then
      rel=$child
    else
      rel=${child#"$self"/}
    fi
    [[ ${rel##*/} == "$snap_name" ]] && continue
    child=${dir%/}/$rel
    if [[ ! -d $child ]] || ! is_btrfs_subvolume "$child"; then continue; fi
    printf '%s\n' "$child"
    list_subvolumes "$child"
  done < <(btrfs subvolume list -o -- "$dir" | sed -n 's/^ID [0-9]* gen [0-9]* top level [0-9]* path //p')
}

# Deletes snapshots left by a run that was killed (SIGKILL, power loss) before its trap ran.
remove_stale() {
  local sub
  if mountpoint -q -- "$mount_dir"; then
    log "unmounting stale $mount_dir"
    umount --recursive -- "$mount_dir"
  fi
  for sub in "$@"; do
    if [[ -e $sub/$snap_name ]] && is_btrfs_subvolume "$sub/$snap_name"; then
      log "deleting stale snapshot $sub/$snap_name"
      btrfs subvolume delete -- "$sub/$snap_name" >/dev/null
    fi
  done
}

# snapshot_and_mount: read-only snapshot of the root and every nested subvolume, bind-mounted into
# $mount_dir so it mirrors the live tree. A snapshot holds nested subvolumes as empty directories:
# those are the mount points of their own snapshots.
snapshot_and_mount() {
  local base=${root%/} sub rel subs=()
  mapfile -t subs < <(list_subvolumes "${base:-/}")
  remove_stale "${base:-/}" "${subs[@]}"
  mkdir -p -- "$mount_dir"
  btrfs subvolume snapshot -r -- "${base:-/}" "$base/$snap_name" >/dev/null
  snapshots+=("$base/$snap_name")
  mount --bind -- "$base/$snap_name" "$mount_dir"
  mounts+=("$mount_dir")
  log "snapshot of ${base:-/} mounted on $mount_dir"
  for sub in "${subs[@]}"; do
    rel=${sub#"$base"/}
    btrfs subvolume snapshot -r -- "$sub" "$sub/$snap_name" >/dev/null
    snapshots+=("$sub/$snap_name")
    mount --bind -- "$sub/$snap_name" "$mount_dir/$rel"
    mounts+=("$mount_dir/$rel")
    log "snapshot of $sub mounted on $mount_dir/$rel"
  done
}

dump_postgresql() {
  command -v pg_dump >/dev/null && command -v pg_isready >/dev/null || return 0
  local user=${PG_USER:-postgres} as=() db
  if [[ $(id -un) != "$user" ]] && id -u -- "$user" >/dev/null 2>&1; then as=(runuser -u "$user" --); fi
  "${as[@]}" pg_isready -q 2>/dev/null || return 0
  log "PostgreSQL is running: dumping into $dump_dir"
  prepare_dump_dir
  # A failed dump fails the run (reported, exit 2) but does not stop the file backup.
  "${as[@]}" pg_dumpall --globals-only >"$dump_dir/postgresql-globals.sql" || dump_error "pg_dumpall --globals-only"
  local dbs
  dbs=$("${as[@]}" psql -XAt -d postgres -c 'SELECT datname FROM pg_database WHERE datallowconn AND NOT datistemplate ORDER BY 1') ||
    dump_error "listing PostgreSQL databases"
  while IFS= read -r db; do
    [[ -n $db ]] || continue
    # -Fc: compressed custom format, restored with pg_restore (one database at a time, consistent).
    # A database name may hold any character but NUL: keep "/" out of the file name.
    if "${as[@]}" pg_dump -Fc -- "$db" >"$dump_dir/postgresql-${db//\//_}.dump"; then
      log "dumped PostgreSQL database $db"
    else
      dump_error "pg_dump $db"
    fi
  done <<<"$dbs"
}

dump_mysql() {
  command -v mysqldump >/dev/null && command -v mysqladmin >/dev/null || return 0
  mysqladmin ping >/dev/null 2>&1 || return 0
  log "MariaDB/MySQL is running: dumping into $dump_dir"
  prepare_dump_dir
  local db dbs
  dbs=$(mysql --batch --skip-column-names -e 'SHOW DATABASES') || dump_error "listing MariaDB/MySQL databases"
  while IFS= read -r db; do
    case $db in '' | information_schema | performance_schema | sys) continue ;; esac
    if mysqldump --single-transaction --routines --events --triggers --databases "$db" >"$dump_dir/mysql-${db//\//_}.sql"; then
      log "dumped MariaDB/MySQL database $db"
    else
      dump_error "mysqldump $db"
    fi
  done <<<"$dbs"
}

dump_error() {
  log "database dump failed: $1"
  dump_failed=1
}

# Created only when a database server is found running.
prepare_dump_dir() {
  mkdir -p -- "$dump_dir"
  chmod 0700 -- "$dump_dir"
}

dump_databases() {
  [[ ${DUMP_DATABASES:-yes} != no ]] || return 0
  # Only this run's dumps: a database dropped since the last run must not linger in every archive.
  if [[ -d $dump_dir ]]; then
    find "$dump_dir" -mindepth 1 -maxdepth 1 -type f \( -name 'postgresql-*' -o -name 'mysql-*' \) -delete
  fi
  dump_postgresql
  dump_mysql
}

create_archive() {
  local args=(--verbose --stats --show-rc --exclude-caches --compression "${BORG_COMPRESSION:-zstd,3}" --lock-wait "$lock_wait")
  local pattern system_excludes=()
  # Whole-system backups (paths relative to the root): pseudo and scratch filesystems, caches (their
  # directories are kept). Not applied to an explicit BACKUP_PATHS list.
  for pattern in 'proc/*' 'sys/*' 'dev/*' 'run/*' 'tmp/*' 'var/tmp/*' 'var/cache/*' 'var/lib/docker/*' \
    'root/.cache/*' 'home/*/.cache/*' 'lost+found' "${mount_dir#/}/*" "$snap_name" "*/$snap_name"; do
    system_excludes+=(--exclude "sh:$pattern")
  done
  if [[ -n ${BACKUP_EXCLUDE_FILE:-} ]]; then args+=(--exclude-from "$BACKUP_EXCLUDE_FILE"); fi
  if [[ -n ${BORG_BACKUP_TIMESTAMP:-} ]]; then args+=(--timestamp "$BORG_BACKUP_TIMESTAMP"); fi
  local archive="::{hostname}-{now:%Y-%m-%dT%H:%M:%S}"

  local rc=0
  if [[ -n ${BACKUP_PATHS:-} ]]; then
    local paths
    read -r -a paths <<<"$BACKUP_PATHS"
    "$borg_bin" create "${args[@]}" --one-file-system "$archive" "${paths[@]}" || rc=$?
  elif [[ $(stat -f -c %T -- "$root") == btrfs ]] && is_btrfs_subvolume "$root"; then
    snapshot_and_mount
    # Not --one-file-system: every bind-mounted snapshot is a file system of its own.
    (cd -- "$mount_dir" && "$borg_bin" create "${args[@]}" "${system_excludes[@]}" "$archive" .) || rc=$?
  else
    log "${root} is not a btrfs subvolume: backing it up directly"
    (cd -- "$root" && "$borg_bin" create "${args[@]}" "${system_excludes[@]}" --one-file-system "$archive" .) || rc=$?
  fi
  cleanup
  create_rc=$rc
  # rc 1 is a warning (e.g. a file changed while it was read): the archive exists, carry on.
  if ((rc > 1)); then
    log "borg create failed (rc $rc)"
    return "$rc"
  fi
}

prune_and_compact() {
  [[ ${PRUNE:-yes} != no ]] || return 0
  "$borg_bin" prune --list --show-rc --lock-wait "$lock_wait" --glob-archives '{hostname}-*' \
    --keep-daily "${PRUNE_KEEP_DAILY:-7}" --keep-weekly "${PRUNE_KEEP_WEEKLY:-4}" --keep-monthly "${PRUNE_KEEP_MONTHLY:-6}"
  # Pruned space is freed only by compact (borg 1.2).
  "$borg_bin" compact --show-rc --lock-wait "$lock_wait"
}


main() {
  mkdir -p -- "$(dirname -- "$lock_file")"
  exec 9>>"$lock_file"
  if ! flock --nonblock 9; then
    log "another backup is running (lock $lock_file): not starting a second one"
    exit 75
  fi
  if [[ -n ${BACKUP_LOG_FILE:-} ]]; then
    log_file=$BACKUP_LOG_FILE
    : >"$log_file"
  else
    log_file=$(mktemp -t borg-backup.XXXXXX)
    own_log=1
  fi
  trap on_exit EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  started=1
  SECONDS=0
  ping /start
  # Everything goes to the journal (stderr, fd 3) and to the log whose tail is reported.
  exec 3>&2
  # tee ignores SIGINT/SIGTERM (systemd signals the whole unit): it must outlive this shell's trap.
  exec > >(
    trap '' INT TERM
    exec tee -a -- "$log_file" >&3
  ) 2>&1
  tee_pid=$!

  dump_databases
  create_archive
  prune_and_compact
  if ((create_rc == 1)); then log "borg create finished with warnings (see above); the archive was written"; fi
  if ((dump_failed)); then
    log "the files were backed up, but a database dump failed (see above)"
    exit 2
  fi
  exit "$create_rc"
}

main "$@"
