#!/usr/bin/env bash
# borg textfile collector for node_exporter (the seed's borg-textcollector.sh, for client hosts).
#
# Reads this host's own borg repository and writes the borg-fleet metrics, with the labels host and
# site, into node_exporter's textfile directory. The file is replaced atomically (written next to the
# target, then renamed), so node_exporter never reads half a file. When borg cannot read the repository
# only borg_repo_up 0 is written: no stale sizes or timestamps are passed off as current. The exit code
# is then 1, so `systemctl status` shows the failure.
#
# Environment (systemd: EnvironmentFile=/etc/borg-backup.env, shared with borg-backup.sh):
#   BORG_REPO         the repository, e.g. ssh://borg@backup.example.com:22/srv/borg/web1.example.com
#   BORG_PASSCOMMAND, BORG_RSH, BORG_BASE_DIR, ...   whatever borg needs to open it
#   BORG_HOST         label host (default: the repository's last path component, /srv/borg/<host>)
#   BORG_SITE         label site (default: onsite); also names the output file borg-<site>.prom
#   TEXTFILE_DIR      node_exporter's --collector.textfile.directory
#                     (default: /var/lib/prometheus/node-exporter, Debian's prometheus-node-exporter)
#   BORG_LOCK_WAIT    seconds to wait for the repository lock (default: 600)
set -euo pipefail

: "${BORG_REPO:?set BORG_REPO to the repository of this host}"
# borg 1.x prints naive local times; run it in UTC and parse its times as UTC.
export TZ=UTC

repo=${BORG_REPO%/}
host=${BORG_HOST:-${repo##*/}}
site=${BORG_SITE:-onsite}
dir=${TEXTFILE_DIR:-/var/lib/prometheus/node-exporter}
lock_wait=${BORG_LOCK_WAIT:-600}

if [[ ! $site =~ ^[a-z0-9][a-z0-9_-]{0,62}$ ]]; then
  echo "borg-textfile-collector: BORG_SITE must be a site name (lower-case letters, digits, '_', '-'): $site" >&2
  exit 2
fi
if [[ ! $host =~ ^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$ ]]; then
  echo "borg-textfile-collector: BORG_HOST must be a host name: $host" >&2
  exit 2
fi

out="$dir/borg-$site.prom"
work=$(mktemp -d)
# The temporary file must be in the same directory (same filesystem) for the rename to be atomic; its
# name does not end in .prom, so node_exporter ignores it.
tmp=$(mktemp "$dir/.borg-$site.prom.XXXXXX")
trap 'rm -rf -- "$work" "$tmp"' EXIT

ok=1
{
  borg list --lock-wait "$lock_wait" --json "$repo" >"$work/list.json" &&
    borg list --lock-wait "$lock_wait" --json --last 1 --format '{end}' "$repo" >"$work/last.json" &&
    borg info --lock-wait "$lock_wait" --json "$repo" >"$work/info.json"
} </dev/null 2>"$work/borg.err" || ok=0

status=0
python3 - "$ok" "$host" "$site" "$work" >"$tmp" <<'PY' || status=$?
"""Render borg's JSON as Prometheus text exposition (the borg-fleet metric contract)."""
import datetime
import json
import sys
import time

ok, host, site, work = sys.argv[1] == "1", sys.argv[2], sys.argv[3], sys.argv[4]


def escape(value):
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def parse_utc(text):
    """borg 1.x: naive ISO time such as 2024-05-01T02:13:49.000000, local time = UTC here."""
    return datetime.datetime.fromisoformat(text).replace(tzinfo=datetime.timezone.utc).timestamp()


labels = 'host="%s",site="%s"' % (escape(host), escape(site))
metrics = []  # (name, help, value)

if ok:
    try:
        with open(work + "/list.json") as f:
            archives = json.load(f)["archives"]
        with open(work + "/last.json") as f:
            last = json.load(f)["archives"]
        with open(work + "/info.json") as f:
            stats = json.load(f)["cache"]["stats"]
        if last:
            newest = last[0]
            metrics.append(("borg_last_archive_timestamp_seconds",
                            "End time of the newest archive (start time if borg does not know its end).",
                            parse_utc(newest.get("end") or newest["start"])))
        metrics += [
            ("borg_repo_archives", "Number of archives in the repository.", len(archives)),
            ("borg_repo_deduplicated_size_bytes",
             "Deduplicated compressed size of the repository (borg cache.stats.unique_csize).",
             stats["unique_csize"]),
            ("borg_repo_original_size_bytes",
             "Sum of the original sizes of all archives (borg cache.stats.total_size).",
             stats["total_size"]),
            ("borg_collect_last_success_timestamp_seconds",
             "When this repository was last read successfully.", time.time()),
        ]
    except (OSError, ValueError, KeyError, IndexError, TypeError) as err:
        print("borg-textfile-collector: unexpected borg output: %r" % (err,), file=sys.stderr)
        ok = False
        metrics = []

metrics.append(("borg_repo_up", "1 if the last read of this repository succeeded, else 0.", 1 if ok else 0))

for name, help_text, value in metrics:
    print("# HELP %s %s" % (name, help_text))
    print("# TYPE %s gauge" % name)
    print("%s{%s} %s" % (name, labels, repr(float(value)) if isinstance(value, float) else value))

sys.exit(0 if ok else 3)
PY
if [[ $status != 0 && $status != 3 ]]; then
  # The renderer itself failed (python3 missing or broken): never publish a half-written file.
  ok=0
  printf '# HELP borg_repo_up 1 if the last read of this repository succeeded, else 0.\n# TYPE borg_repo_up gauge\nborg_repo_up{host="%s",site="%s"} 0\n' \
    "$host" "$site" >"$tmp"
fi
chmod 0644 "$tmp"
mv -f -- "$tmp" "$out"

if [[ $ok != 1 || $status != 0 ]]; then
  echo "borg-textfile-collector: cannot read $repo; wrote borg_repo_up 0 to $out" >&2
  sed 's/^/  borg: /' "$work/borg.err" >&2 || true
  exit 1
fi
