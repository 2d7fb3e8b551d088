#!/bin/sh
# Runs before nginx starts (the official image runs /docker-entrypoint.d/*.sh). The compose demo has no
# certificate of its own: make a self-signed one once, into the nginx-tls volume. For a real
# installation put the real chain and key there (or point BORG_FLEET_TLS_CERT/KEY elsewhere).
set -eu

cert=${BORG_FLEET_TLS_CERT:-/etc/nginx/tls/tls.crt}
key=${BORG_FLEET_TLS_KEY:-/etc/nginx/tls/tls.key}
name=${BORG_FLEET_SERVER_NAME:-localhost}

if [ -s "$cert" ] && [ -s "$key" ]; then
  exit 0
fi
mkdir -p "$(dirname "$cert")" "$(dirname "$key")"
umask 077
openssl req -x509 -newkey rsa:2048 -nodes -days 825 -subj "/CN=$name" \
  -addext "subjectAltName=DNS:$name,DNS:localhost,IP:127.0.0.1" -keyout "$key" -out "$cert" 2>/dev/null
echo "borg-fleet: made a self-signed certificate for $name in $cert (replace it with a real one)"
