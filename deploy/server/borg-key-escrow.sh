#!/usr/bin/env bash
# Key escrow (the seed's fetch-borg-keys step): exports the borg key of every host's repository
# (`borg key export`) into one keys directory, so the team (and the dashboard, through the repo's
# keyFile in fleet.yml) can open any repository after losing the host. Without the key, a repokey
# repository whose key data is damaged, or a keyfile repository whose host is gone, cannot be read.
#
# Usage:
#   borg-key-escrow.sh HOST...              over SSH: runs `borg key export` on each host, where the
#                                           borg wrapper (/usr/local/bin/borg) presets its repository
#   borg-key-escrow.sh --local HOST=REPO... runs borg here, with the repository given (a repository path
#                                           on this machine, or any URL borg reaches)
#
# Environment:
#   KEYS_DIR         output directory (default /var/lib/borg-fleet/keys), created mode 0700
#   KEY_RECIPIENT    encrypt each key at rest for this recipient: an age recipient (age1...) when age is
#                    installed, else a gpg key id/e-mail (gpg). Unset: keys are stored as they are
#                    (mode 0600; the dashboard can use them as keyFile). Set but no tool: refused.
#   ESCROW_SSH       ssh command for the SSH mode (default: ssh -o BatchMode=yes -l root)
#   BORG_PASSCOMMAND, BORG_RSH, ...   for --local, whatever borg needs to open the repositories
#
# Files: KEYS_DIR/<host>.key, <host>.key.age or <host>.key.gpg, replaced atomically. Exit status: 0 all
# keys exported, 1 some host failed (the others are still written), 2 usage.
set -euo pipefail

keys_dir=${KEYS_DIR:-/var/lib/borg-fleet/keys}
recipient=${KEY_RECIPIENT:-}
read -r -a ssh_cmd <<<"${ESCROW_SSH:-ssh -o BatchMode=yes -l root}"
name_re='^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$'

usage() {
  echo "usage: borg-key-escrow.sh HOST... | borg-key-escrow.sh --local HOST=REPO..." >&2
  exit 2
}

local_mode=0
if [[ ${1:-} == --local ]]; then
  local_mode=1
  shift
fi
(($# > 0)) || usage

encrypt_tool=""
if [[ -n $recipient ]]; then
  if [[ $recipient == age1* ]] && command -v age >/dev/null; then
    encrypt_tool=age
  elif command -v gpg >/dev/null; then
    encrypt_tool=gpg
  else
    echo "borg-key-escrow: KEY_RECIPIENT is set but neither age nor gpg is installed: refusing to store keys in clear" >&2
    exit 2
  fi
fi

mkdir -p -- "$keys_dir"
chmod 0700 -- "$keys_dir"
umask 077

# export_key HOST SOURCE: the key on stdout.
export_key() {
  local host=$1 source=$2
  if ((local_mode)); then
    BORG_REPO=$source borg key export --lock-wait 60 :: </dev/null
  else
    "${ssh_cmd[@]}" -- "$host" borg key export :: </dev/null
  fi
}

failed=0
for arg in "$@"; do
  if ((local_mode)); then
    host=${arg%%=*}
    source=${arg#*=}
    [[ $arg == *=* && -n $source ]] || usage
  else
    host=$arg
    source=$arg
  fi
  if [[ ! $host =~ $name_re ]]; then
    echo "borg-key-escrow: not a host name: $host" >&2
    failed=1
    continue
  fi
  tmp=$(mktemp "$keys_dir/.$host.XXXXXX")
  if ! export_key "$host" "$source" >"$tmp" || ! grep -q '^BORG_KEY ' "$tmp"; then
    echo "borg-key-escrow: $host: borg key export failed" >&2
    rm -f -- "$tmp"
    failed=1
    continue
  fi
  out="$keys_dir/$host.key"
  case $encrypt_tool in
    age)
      age -r "$recipient" -o "$tmp.enc" "$tmp"
      out="$out.age"
      ;;
    gpg)
      gpg --batch --yes --trust-model always --recipient "$recipient" --output "$tmp.enc" --encrypt "$tmp"
      out="$out.gpg"
      ;;
  esac
  if [[ -n $encrypt_tool ]]; then
    rm -f -- "$tmp"
    mv -f -- "$tmp.enc" "$out"
    # No clear-text copy of this host's key may remain from an earlier run without a recipient.
    rm -f -- "$keys_dir/$host.key"
  else
    mv -f -- "$tmp" "$out"
  fi
  echo "borg-key-escrow: $host -> $out" >&2
done
exit "$failed"
