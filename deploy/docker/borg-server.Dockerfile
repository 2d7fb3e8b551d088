# Borg storage server for docker-compose: Debian, OpenSSH and borg; every key is forced to
# `borg serve --restrict-to-path` (the seed's access model). Build context: the repository root.
FROM debian:bookworm-slim

RUN apt-get update \
 && apt-get install -y --no-install-recommends borgbackup openssh-server \
 && rm -rf /var/lib/apt/lists/* \
 && rm -f /etc/ssh/ssh_host_*_key /etc/ssh/ssh_host_*_key.pub \
 && useradd --system --create-home --home-dir /var/lib/borg --shell /bin/sh borg \
 && usermod -p '*' borg \
 && install -d -o borg -g borg -m 0750 /srv/borg

COPY deploy/docker/borg-server/sshd_config /etc/ssh/sshd_config.d/borg-fleet.conf
COPY deploy/docker/borg-server/fleet-authorized-keys /usr/local/sbin/fleet-authorized-keys
COPY deploy/docker/borg-server/entrypoint.sh /usr/local/sbin/borg-server-entrypoint
# sshd runs AuthorizedKeysCommand only if it is owned by root and writable by nobody else.
RUN chown root:root /usr/local/sbin/fleet-authorized-keys /usr/local/sbin/borg-server-entrypoint \
 && chmod 0755 /usr/local/sbin/fleet-authorized-keys /usr/local/sbin/borg-server-entrypoint

EXPOSE 22
HEALTHCHECK --interval=15s --timeout=5s --start-period=10s --retries=3 \
  CMD bash -c '</dev/tcp/127.0.0.1/22' || exit 1
ENTRYPOINT ["/usr/local/sbin/borg-server-entrypoint"]
