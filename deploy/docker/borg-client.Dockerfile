# A backed-up server for docker-compose: Debian with borg, the client kit from deploy/ (backup script and
# textfile collector) and a loop that stands in for borg-backup.timer. Build context: repository root.
FROM debian:bookworm-slim

RUN apt-get update \
 && apt-get install -y --no-install-recommends borgbackup openssh-client python3 ca-certificates \
 && rm -rf /var/lib/apt/lists/*

COPY deploy/client/borg-backup.sh /usr/local/bin/borg-backup.sh
COPY deploy/textfile-collector/borg-textfile-collector.sh /usr/local/bin/borg-textfile-collector.sh
COPY deploy/docker/client-entrypoint.sh /usr/local/sbin/borg-client-entrypoint
RUN chmod 0755 /usr/local/bin/borg-backup.sh /usr/local/bin/borg-textfile-collector.sh /usr/local/sbin/borg-client-entrypoint

HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
  CMD test -f /var/lib/borg-client/initialised || exit 1
ENTRYPOINT ["/usr/local/sbin/borg-client-entrypoint"]
