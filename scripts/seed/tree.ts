/**
 * Source trees for the demo hosts: what `/` (or `/backup`, for btrfs hosts backed up from
 * snapshots as in the seed) looks like on a given day. A pure function of (host, origin, date), so
 * the seeder can rebuild any day's tree; `Materializer` applies a tree to a scratch directory,
 * touching only what changed since the previous day so borg's files cache skips the rest.
 */
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import { DAY_MS } from "@/lib/retention/gfs";
import type { DropSeries, HostProfile } from "./fleet";
import { intBetween, pick, prng, streamBytes } from "./random";

/** A relative path; `name` as a Buffer for names that are not valid UTF-8. */
export type RelPath = string | { dir: string; name: Buffer };

export interface FileEntry {
  kind: "file";
  path: RelPath;
  /** Identifies the content: the file is rewritten only when this changes. */
  fingerprint: string;
  content: () => Buffer | string;
  /** For prefix-stable random files: grow by appending. */
  append?: { seed: string; size: number };
  mtime: Date;
  mode?: number;
}
export interface SymlinkEntry {
  kind: "symlink";
  path: string;
  target: string;
  /** Default: an hour before the backup. */
  mtime?: Date;
}
export interface DirEntry {
  kind: "dir";
  path: string;
}
export type TreeEntry = FileEntry | SymlinkEntry | DirEntry;

const HOUR = 3_600_000;
const DOMAIN = "example.com";

function text(p: RelPath, body: string, mtime: Date, mode?: number): FileEntry {
  return { kind: "file", path: p, fingerprint: `t:${body.length}:${hashString(body)}`, content: () => body, mtime, mode };
}

function random(p: RelPath, seed: string, size: number, mtime: Date, mode?: number): FileEntry {
  return { kind: "file", path: p, fingerprint: `r:${seed}:${size}`, content: () => streamBytes(seed, 0, size), append: { seed, size }, mtime, mode };
}

function hashString(s: string): string {
  // FNV-1a, enough to notice a change.
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16);
}

const iso = (d: Date) => d.toISOString().slice(0, 10);
const hex = (rand: () => number, n: number) => Array.from({ length: n }, () => Math.floor(rand() * 16).toString(16)).join("");
const b64 = (rand: () => number, n: number) => {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  return Array.from({ length: n }, () => alphabet[Math.floor(rand() * 64)]).join("");
};

const WORDS =
  "the backup storage server restore archive deploy release invoice meeting quarterly budget review incident update schedule customer order ticket please attached thanks regards migration database cluster network report draft final agenda follow-up notes project team weekly".split(
    " ",
  );
function sentence(rand: () => number, words: number): string {
  const w = Array.from({ length: words }, () => pick(rand, WORDS));
  const s = w.join(" ");
  return s.charAt(0).toUpperCase() + s.slice(1) + ".";
}

/** Everything a host's tree holds on `at`; `origin` is the host's first backup (start of growth). */
export function hostTree(host: HostProfile, origin: Date, at: Date): TreeEntry[] {
  const days = Math.max(0, (at.getTime() - origin.getTime()) / DAY_MS);
  const installed = new Date(origin.getTime() - 120 * DAY_MS); // OS installed well before the first backup
  const r = (salt: string) => prng(`${host.name}:${salt}`);
  const entries: TreeEntry[] = [];
  const add = (...e: TreeEntry[]) => entries.push(...e);
  const fqdn = `${host.name}.${DOMAIN}`;
  const sshFp = r("sshkey");

  // --- /etc, common to all hosts ---
  add(
    text("etc/hostname", `${host.name}\n`, installed),
    text("etc/hosts", `127.0.0.1\tlocalhost\n127.0.1.1\t${fqdn} ${host.name}\n\n::1\tlocalhost ip6-localhost ip6-loopback\n`, installed),
    text(
      "etc/os-release",
      'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nVERSION="12 (bookworm)"\nVERSION_CODENAME=bookworm\nID=debian\n',
      installed,
    ),
    { kind: "symlink", path: "etc/localtime", target: "/usr/share/zoneinfo/Etc/UTC", mtime: installed },
    text("etc/fstab", fstab(host, r("fstab")), installed),
    text("etc/ssh/sshd_config", SSHD_CONFIG, installed),
    text("etc/ssh/ssh_host_ed25519_key.pub", `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI${b64(sshFp, 43)} root@${fqdn}\n`, installed),
    text(
      "etc/ssh/ssh_host_ed25519_key",
      `-----BEGIN OPENSSH PRIVATE KEY-----\n${Array.from({ length: 5 }, () => b64(sshFp, 70)).join("\n")}\n-----END OPENSSH PRIVATE KEY-----\n`,
      installed,
      0o600,
    ),
    text("etc/passwd", passwd(host), installed),
    text("etc/group", group(host), installed),
    text("etc/systemd/system/borg-backup.service", borgService(host), origin),
    text("etc/systemd/system/borg-backup.timer", borgTimer(host), origin),
    text(
      "etc/systemd/system/prometheus-borg-textcollector.service",
      "[Unit]\nDescription=Expose borg backup metrics to the node_exporter textfile collector\n\n[Service]\nType=oneshot\nExecStart=/usr/local/bin/borg-textcollector.sh /var/lib/prometheus/node-exporter/borg.prom\n\n[Install]\nWantedBy=borg-backup.service\n",
      origin,
    ),
    text("usr/local/bin/borg", borgWrapper(host), origin, 0o755),
    text("usr/local/bin/borg-backup.sh", BACKUP_SCRIPT, origin, 0o755),
    text("etc/borg/exclude.txt", "/proc\n/sys\n/dev\n/run\n/tmp\n/var/tmp\n/var/cache\n/var/lib/postgresql\n/backup-snapshot\n*/.cache\n", origin),
    text("root/.bashrc", "# ~/.bashrc: executed by bash(1) for non-login shells.\nexport HISTSIZE=10000\nalias ll='ls -l'\n", installed),
    text("root/.ssh/authorized_keys", authorizedKeys(r("team")), installed, 0o600),
    text("root/.bash_history", bashHistory(host, days), at, 0o600),
  );
  add(...logs(host, at));

  for (const user of host.users) {
    const home = `home/${user}`;
    add(
      text(`${home}/.bashrc`, `# ~/.bashrc\nexport EDITOR=vim\nexport PATH="$HOME/.local/bin:$PATH"\n`, installed),
      text(`${home}/.profile`, `if [ -n "$BASH_VERSION" ] && [ -f "$HOME/.bashrc" ]; then . "$HOME/.bashrc"; fi\n`, installed),
      text(`${home}/notes.md`, `# ${user}@${host.name}\n\n${sentence(r(`notes:${user}`), 12)}\n${sentence(r(`notes2:${user}`), 9)}\n`, installed),
    );
  }

  add(...roleFiles(host, origin, installed, at, days));
  for (const g of host.growing) {
    const size = g.baseBytes + Math.floor(g.bytesPerDay * days);
    add(random(g.path, `${host.name}:${g.path}`, size, new Date(at.getTime() - 25 * 60_000), 0o640));
  }
  for (const series of host.drops) add(...drops(host, series, origin, at, days));
  if (host.awkwardNames) add(...awkward(`home/${host.users[0] ?? "alice"}/Downloads/hard names`, installed));

  if (host.rootFs === "btrfs") {
    // Backed up from /backup, where the snapshots of / and of each subvolume are bind-mounted.
    return entries.map((e) => prefix(e, "backup"));
  }
  return entries;
}

function prefix(e: TreeEntry, dir: string): TreeEntry {
  if (e.kind === "file" && typeof e.path !== "string") return { ...e, path: { dir: `${dir}/${e.path.dir}`, name: e.path.name } };
  return { ...e, path: `${dir}/${e.path as string}` } as TreeEntry;
}

/** Top-level directories to hand to `borg create` for a host. */
export function sourcePaths(entries: TreeEntry[]): string[] {
  const tops = new Set<string>();
  for (const e of entries) tops.add((typeof e.path === "string" ? e.path : e.path.dir).split("/")[0]!);
  return [...tops].sort();
}

function fstab(host: HostProfile, rand: () => number): string {
  const uuid = () => `${hex(rand, 8)}-${hex(rand, 4)}-${hex(rand, 4)}-${hex(rand, 4)}-${hex(rand, 12)}`;
  const root = uuid();
  const lines = ["# /etc/fstab: static file system information.", "# <file system> <mount point> <type> <options> <dump> <pass>"];
  if (host.rootFs === "btrfs") {
    lines.push(
      `UUID=${root} /     btrfs defaults,noatime,compress=zstd,subvol=@     0 0`,
      `UUID=${root} /home btrfs defaults,noatime,compress=zstd,subvol=@home 0 0`,
      `UUID=${root} /srv  btrfs defaults,noatime,compress=zstd,subvol=@srv  0 0`,
    );
  } else {
    lines.push(`UUID=${root} / ext4 errors=remount-ro 0 1`);
  }
  lines.push(`UUID=${uuid().slice(0, 9).toUpperCase()} /boot/efi vfat umask=0077 0 1`, `UUID=${uuid()} none swap sw 0 0`);
  return lines.join("\n") + "\n";
}

const SSHD_CONFIG = `Include /etc/ssh/sshd_config.d/*.conf
Port 22
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM yes
X11Forwarding no
PrintMotd no
AcceptEnv LANG LC_*
Subsystem sftp /usr/lib/openssh/sftp-server
`;

function passwd(host: HostProfile): string {
  const lines = [
    "root:x:0:0:root:/root:/bin/bash",
    "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin",
    "www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin",
    "sshd:x:104:65534::/run/sshd:/usr/sbin/nologin",
  ];
  host.users.forEach((u, i) => lines.push(`${u}:x:${1000 + i}:${1000 + i}:${u}:/home/${u}:/bin/bash`));
  return lines.join("\n") + "\n";
}

function group(host: HostProfile): string {
  const lines = ["root:x:0:", "adm:x:4:", "sudo:x:27:" + host.users.slice(0, 1).join(","), "www-data:x:33:"];
  host.users.forEach((u, i) => lines.push(`${u}:x:${1000 + i}:`));
  return lines.join("\n") + "\n";
}

function borgService(host: HostProfile): string {
  return `[Unit]
Description=Borg backup of ${host.name}
Wants=network-online.target
After=network-online.target

[Service]
Type=oneshot
Nice=19
IOSchedulingClass=idle
ExecStart=/usr/local/bin/borg-backup.sh
`;
}

function borgTimer(host: HostProfile): string {
  return `[Unit]
Description=Daily borg backup

[Timer]
OnCalendar=*-*-* ${host.backupAt}:00 UTC
RandomizedDelaySec=10min
Persistent=true

[Install]
WantedBy=timers.target
`;
}

function borgWrapper(host: HostProfile): string {
  const repos = host.sites.map((s) => `ssh://borg@${s === "onsite" ? "backup" : "backup-offsite"}.${DOMAIN}:22/srv/borg/${host.name}`);
  return `#!/bin/bash
# borg, preconfigured for this host's repository (as in the Arch Linux infrastructure's borg.j2)
export BORG_REPO="\${BORG_REPO:-${repos[0]}}"
export BORG_PASSCOMMAND="cat /root/.config/borg/passphrase"
exec /usr/bin/borg "$@"
`;
}

const BACKUP_SCRIPT = `#!/bin/bash
set -euo pipefail
# Dump databases, snapshot btrfs subvolumes into /backup, then back up and prune (7 daily / 4 weekly / 6 monthly).
if systemctl is-active --quiet postgresql; then
  sudo -u postgres pg_dumpall --globals-only > /var/backups/postgres/globals.sql
fi
/usr/local/bin/borg create --compression lz4 --exclude-from /etc/borg/exclude.txt "::{hostname}-{utcnow:%Y-%m-%dT%H:%M}" /
/usr/local/bin/borg prune --keep-daily 7 --keep-weekly 4 --keep-monthly 6
`;

function authorizedKeys(rand: () => number): string {
  return ["alice@laptop", "bob@workstation", "carol@ops"].map((who) => `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI${b64(rand, 43)} ${who}`).join("\n") + "\n";
}

function bashHistory(host: HostProfile, days: number): string {
  const rand = prng(`${host.name}:history`);
  const cmds = [
    "systemctl status borg-backup.timer",
    "journalctl -u borg-backup -n 50",
    "df -h",
    "apt update && apt upgrade",
    "borg list",
    "htop",
    "ls -la /var/backups",
    "uptime",
  ];
  const n = 20 + Math.floor(days * 0.8);
  return Array.from({ length: n }, () => pick(rand, cmds)).join("\n") + "\n";
}

/** syslog for the day before `at`, rotated daily; older days compressed. */
function logs(host: HostProfile, at: Date): TreeEntry[] {
  const dayText = (dayOffset: number) => {
    const day = new Date(at.getTime() - dayOffset * DAY_MS);
    const rand = prng(`${host.name}:syslog:${iso(day)}`);
    const lines: string[] = [];
    const units = ["systemd[1]", "CRON[812]", "sshd[1422]", "kernel", "borg-backup.sh[2301]", "node_exporter[611]"];
    for (let i = 0; i < 60; i++) {
      const t = new Date(day.getTime() - DAY_MS + (i / 60) * DAY_MS);
      lines.push(`${t.toISOString().slice(0, 19)}+00:00 ${host.name} ${pick(rand, units)}: ${sentence(rand, intBetween(rand, 4, 10))}`);
    }
    return lines.join("\n") + "\n";
  };
  const out: TreeEntry[] = [text("var/log/syslog", dayText(0), at, 0o640), text("var/log/syslog.1", dayText(1), new Date(at.getTime() - DAY_MS), 0o640)];
  for (let i = 2; i <= 4; i++) {
    const day = iso(new Date(at.getTime() - i * DAY_MS));
    const seedText = () => zlib.gzipSync(dayText(i), { level: 6 });
    out.push({
      kind: "file",
      path: `var/log/syslog.${i}.gz`,
      fingerprint: `gz:${host.name}:${day}`,
      content: seedText,
      mtime: new Date(at.getTime() - (i - 1) * DAY_MS),
      mode: 0o640,
    });
  }
  return out;
}

function roleFiles(host: HostProfile, origin: Date, installed: Date, at: Date, days: number): TreeEntry[] {
  const out: TreeEntry[] = [];
  switch (host.role) {
    case "web": {
      const site = `shop.${DOMAIN}`;
      out.push(
        text("etc/nginx/nginx.conf", NGINX_CONF, installed),
        text(
          `etc/nginx/sites-available/${site}`,
          `server {\n    listen 443 ssl http2;\n    server_name ${site};\n    root /srv/www/${site}/public;\n    ssl_certificate /etc/letsencrypt/live/${site}/fullchain.pem;\n    ssl_certificate_key /etc/letsencrypt/live/${site}/privkey.pem;\n    location /uploads/ { alias /srv/www/${site}/uploads/; }\n}\n`,
          installed,
        ),
        { kind: "symlink", path: `etc/nginx/sites-enabled/${site}`, target: `../sites-available/${site}`, mtime: installed },
        text(`srv/www/${site}/public/index.html`, `<!doctype html>\n<title>Shop</title>\n<h1>Welcome to the shop</h1>\n`, installed),
        // Certificates renew every 60 days.
        text(
          `etc/letsencrypt/live/${site}/fullchain.pem`,
          `-----BEGIN CERTIFICATE-----\n${b64(prng(`${host.name}:cert:${Math.floor(days / 60)}`), 64)}\n-----END CERTIFICATE-----\n`,
          new Date(origin.getTime() + Math.floor(days / 60) * 60 * DAY_MS),
        ),
        text(`var/log/nginx/access.log`, accessLog(host, at), at, 0o640),
      );
      break;
    }
    case "db":
      out.push(
        text(
          "etc/postgresql/15/main/postgresql.conf",
          "listen_addresses = 'localhost,10.0.0.21'\nmax_connections = 200\nshared_buffers = 4GB\nwal_level = replica\n",
          installed,
        ),
        text("etc/postgresql/15/main/pg_hba.conf", "local all postgres peer\nhost app app 10.0.0.0/24 scram-sha-256\n", installed, 0o640),
        text(
          "var/backups/postgres/globals.sql",
          "--\n-- PostgreSQL database cluster dump\n--\nCREATE ROLE app;\nALTER ROLE app WITH LOGIN;\nCREATE ROLE readonly;\n",
          at,
        ),
      );
      break;
    case "mail":
      out.push(
        text(
          "etc/postfix/main.cf",
          `myhostname = mail.${DOMAIN}\nmydestination = ${DOMAIN}, localhost\nhome_mailbox = Maildir/\nsmtpd_tls_security_level = may\n`,
          installed,
        ),
        text("etc/dovecot/dovecot.conf", "protocols = imap lmtp\nmail_location = maildir:~/Maildir\nssl = required\n", installed),
        text("etc/aliases", "postmaster: root\nroot: alice\n", installed),
      );
      break;
    case "git":
      for (const repo of GIT_REPOS) {
        const base = `srv/git/repositories/${repo}.git`;
        out.push(
          text(`${base}/HEAD`, "ref: refs/heads/main\n", installed),
          text(`${base}/config`, "[core]\n\trepositoryformatversion = 0\n\tbare = true\n", installed),
          text(`${base}/description`, `${repo}\n`, installed),
          // A push most days moves main.
          text(`${base}/refs/heads/main`, `${hex(prng(`${host.name}:${repo}:${Math.floor(days)}`), 40)}\n`, new Date(at.getTime() - 5 * HOUR)),
        );
      }
      out.push(
        text("etc/gitea/app.ini", `APP_NAME = Git\nRUN_USER = git\n[server]\nDOMAIN = git.${DOMAIN}\n[database]\nDB_TYPE = postgres\n`, installed, 0o640),
      );
      break;
    case "jira":
      out.push(
        text(
          "var/atlassian/application-data/jira/dbconfig.xml",
          `<?xml version="1.0" encoding="UTF-8"?>\n<jira-database-config>\n  <database-type>postgres72</database-type>\n  <jdbc-datasource><url>jdbc:postgresql://localhost:5432/jira</url></jdbc-datasource>\n</jira-database-config>\n`,
          installed,
          0o600,
        ),
      );
      break;
    case "monitor":
      out.push(
        text(
          "etc/prometheus/prometheus.yml",
          `global:\n  scrape_interval: 15s\nscrape_configs:\n  - job_name: node\n    static_configs:\n      - targets: [${HOST_TARGETS}]\n`,
          installed,
        ),
        text(
          "etc/prometheus/rules/borg.yml",
          "groups:\n  - name: borg\n    rules:\n      - alert: BorgMissingBackup\n        expr: time() - borg_last_archive_timestamp_seconds > 86400 * 1.5\n        for: 2m\n",
          installed,
        ),
        text(
          "etc/prometheus/alertmanager.yml",
          "route:\n  receiver: ops\nreceivers:\n  - name: ops\n    email_configs:\n      - to: ops@example.com\n",
          installed,
        ),
      );
      break;
    case "build":
      out.push(text("etc/gitlab-runner/config.toml", `concurrent = 2\n[[runners]]\n  name = "${host.name}"\n  executor = "docker"\n`, installed, 0o600));
      break;
    case "fileserver":
      out.push(text("etc/samba/smb.conf", SMB_CONF, installed), { kind: "dir", path: "srv/share/Public/Inbox" });
      break;
  }
  return out;
}

const NGINX_CONF = `user www-data;
worker_processes auto;
events { worker_connections 768; }
http {
    sendfile on;
    include /etc/nginx/mime.types;
    access_log /var/log/nginx/access.log;
    include /etc/nginx/sites-enabled/*;
}
`;

const SMB_CONF = `[global]
   workgroup = EXAMPLE
   server role = standalone server
[homes]
   browseable = no
   read only = no
[share]
   path = /srv/share
   read only = no
`;

const GIT_REPOS = ["infrastructure", "website", "api", "ansible", "docs", "tools"];
const HOST_TARGETS = ["web-01", "web-02", "db-01", "mail", "git", "jira", "monitor", "fileserver"].map((h) => `'${h}.${DOMAIN}:9100'`).join(", ");

function accessLog(host: HostProfile, at: Date): string {
  const rand = prng(`${host.name}:access:${iso(at)}`);
  const paths = ["/", "/products", "/cart", "/uploads/logo.png", "/api/orders", "/login"];
  const lines: string[] = [];
  for (let i = 0; i < 80; i++) {
    const t = new Date(at.getTime() - DAY_MS + (i / 80) * DAY_MS);
    lines.push(
      `10.0.${intBetween(rand, 0, 9)}.${intBetween(rand, 2, 254)} - - [${t.toISOString()}] "GET ${pick(rand, paths)} HTTP/2.0" ${pick(rand, [200, 200, 200, 304, 404])} ${intBetween(rand, 200, 9000)}`,
    );
  }
  return lines.join("\n") + "\n";
}

/** Files of a drop series present on `at` (created at a steady rate since the host's first backup). */
function drops(host: HostProfile, s: DropSeries, origin: Date, at: Date, days: number): TreeEntry[] {
  const total = s.baseCount + Math.floor(s.perDay * days + 1e-9);
  const first = s.keepLast ? Math.max(0, total - s.keepLast) : 0;
  const out: TreeEntry[] = [];
  for (let k = first; k < total; k++) {
    const created =
      k < s.baseCount
        ? new Date(origin.getTime() - (s.baseCount - k) * (s.keepDays ? (s.keepDays * DAY_MS) / (s.baseCount + 1) : (90 * DAY_MS) / s.baseCount))
        : new Date(origin.getTime() + ((k - s.baseCount + 1) / s.perDay) * DAY_MS - 3 * HOUR);
    if (s.keepDays && at.getTime() - created.getTime() > s.keepDays * DAY_MS) continue;
    const rand = prng(`${host.name}:${s.kind}:${k}`);
    const size = intBetween(rand, s.minBytes, s.maxBytes);
    const seed = `${host.name}:${s.dir}:${k}`;
    switch (s.kind) {
      case "upload": {
        const ext = pick(rand, ["jpg", "jpg", "png", "webp", "pdf"]);
        out.push(
          random(`${s.dir}/${created.toISOString().slice(0, 4)}/${created.toISOString().slice(5, 7)}/${hex(rand, 12)}.${ext}`, seed, size, created, 0o644),
        );
        break;
      }
      case "mail": {
        const user = host.users[k % host.users.length]!;
        const dir = s.dir.replace("{user}", user);
        const name = `${Math.floor(created.getTime() / 1000)}.M${intBetween(rand, 100000, 999999)}P${intBetween(rand, 1000, 30000)}.mail.${DOMAIN},S=${size}:2,S`;
        out.push({
          kind: "file",
          path: `${dir}/${name}`,
          fingerprint: `mail:${seed}`,
          content: () => mailMessage(user, created, size, seed),
          mtime: created,
          mode: 0o600,
        });
        break;
      }
      case "pack": {
        const repo = GIT_REPOS[k % GIT_REPOS.length]!;
        const sha = hex(rand, 40);
        const base = `${s.dir}/${repo}.git/objects/pack/pack-${sha}`;
        out.push(
          random(`${base}.pack`, seed, size, created, 0o444),
          random(`${base}.idx`, `${seed}:idx`, Math.max(1024, Math.floor(size / 40)), created, 0o444),
        );
        break;
      }
      case "attachment": {
        const project = pick(rand, ["OPS", "WEB", "HR", "SEC"]);
        out.push(random(`${s.dir}/${project}/${project}-${100 + Math.floor(k / 2)}/${10000 + k}`, seed, size, created, 0o640));
        break;
      }
      case "block": {
        const ulid = ulidFor(created, rand);
        const dir = `${s.dir}/${ulid}`;
        out.push(
          random(`${dir}/chunks/000001`, seed, size, created, 0o644),
          random(`${dir}/index`, `${seed}:index`, Math.floor(size / 12), created, 0o644),
          text(
            `${dir}/meta.json`,
            JSON.stringify({ ulid, minTime: created.getTime() - 2 * HOUR, maxTime: created.getTime(), version: 1 }, null, 2) + "\n",
            created,
          ),
          text(`${dir}/tombstones`, "", created),
        );
        break;
      }
      case "artifact": {
        const project = pick(rand, ["api", "web", "worker"]);
        out.push(random(`${s.dir}/${project}/${project}-build-${1000 + k}.tar.zst`, seed, size, created, 0o644));
        break;
      }
      case "wal": {
        const segment = (0x100000000 + k).toString(16).toUpperCase().padStart(24, "0");
        out.push(random(`${s.dir}/${segment}.gz`, seed, size, created, 0o600));
        break;
      }
      case "document": {
        out.push(random(documentPath(s.dir, host, created, k, rand), seed, size, created, 0o664));
        break;
      }
    }
  }
  return out;
}

function documentPath(dir: string, host: HostProfile, created: Date, k: number, rand: () => number): string {
  const day = iso(created);
  const user = host.users[k % host.users.length] ?? "alice";
  switch (k % 6) {
    case 0:
      return `${dir}/Finance/Invoices/${day.slice(0, 4)}/Invoice ${day} #${1000 + k}.pdf`;
    case 1:
      return `${dir}/Scans/Scan_${day.replaceAll("-", "")}_${String(k).padStart(4, "0")}.pdf`;
    case 2:
      return `${dir}/Projects/${pick(rand, ["Website relaunch", "Office move", "ERP migration"])}/Meeting notes ${day}.docx`;
    case 3:
      return `${dir}/HR/Contracts/${pick(rand, ["Müller", "Nguyễn", "O'Brien", "Søren"])} - contract ${day}.pdf`;
    case 4:
      return `home/${user}/Documents/${pick(rand, ["Budget", "Report", "Plan"])} ${day.slice(0, 7)} v${1 + (k % 4)}.xlsx`;
    default:
      return `home/${user}/Pictures/IMG_${day.replaceAll("-", "")}_${String(k).padStart(5, "0")}.jpg`;
  }
}

function ulidFor(created: Date, rand: () => number): string {
  const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  let t = created.getTime();
  let time = "";
  for (let i = 0; i < 10; i++) {
    time = alphabet[t % 32] + time;
    t = Math.floor(t / 32);
  }
  return time + Array.from({ length: 16 }, () => alphabet[Math.floor(rand() * 32)]).join("");
}

function mailMessage(user: string, created: Date, size: number, seed: string): string {
  const rand = prng(seed);
  const from = pick(rand, ["billing@supplier.example.net", "noreply@monitoring.example.com", "bob@example.com", "newsletter@vendor.example.org"]);
  const head = [
    `Return-Path: <${from}>`,
    `Delivered-To: ${user}@${DOMAIN}`,
    `Date: ${created.toUTCString()}`,
    `From: ${from}`,
    `To: ${user}@${DOMAIN}`,
    `Subject: ${sentence(rand, intBetween(rand, 3, 7)).slice(0, -1)}`,
    `Message-ID: <${hex(rand, 16)}@${DOMAIN}>`,
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=utf-8",
    "",
  ].join("\n");
  const lines: string[] = [];
  let length = head.length;
  while (length < size) {
    const line = rand() < 0.3 ? b64(rand, 76) : sentence(rand, intBetween(rand, 6, 14));
    lines.push(line);
    length += line.length + 1;
  }
  return `${head}\n${lines.join("\n")}\n`;
}

/** Names that break naive tools: each is a real file in the archive. */
function awkward(dir: string, installed: Date): TreeEntry[] {
  const names = [
    "Quarterly report (final) v2.pdf",
    "tab\there.txt",
    "line\nbreak.txt",
    "-rf",
    "--help",
    'it\'s a "quoted" name.txt',
    "café ☕ 日本語 résumé.txt",
    "emoji 🎉 party.txt",
    "back\\slash.txt",
    "star*and?glob[1].txt",
    "#hash and ~tilde.txt",
    "trailing space ",
    "..dotdot",
    "...",
    "$(touch pwned).txt",
    `${"very-long-name-".repeat(14)}end.txt`,
    "Ωmega — ünïcödé/nested file.txt",
  ];
  const out: TreeEntry[] = names.map((name, i) => text(`${dir}/${name}`, `${name.replaceAll("\n", "\\n")}\nfile ${i}\n`, installed));
  out.push(
    text(`${dir}/empty.txt`, "", installed),
    // ISO-8859-1 "café-latin1.txt": not valid UTF-8.
    {
      kind: "file",
      path: { dir, name: Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x2d, 0x6c, 0x61, 0x74, 0x69, 0x6e, 0x31, 0x2e, 0x74, 0x78, 0x74]) },
      fingerprint: "latin1",
      content: () => "written on an old Windows share\n",
      mtime: installed,
    },
    { kind: "symlink", path: `${dir}/link to report`, target: "Quarterly report (final) v2.pdf", mtime: installed },
    { kind: "symlink", path: `${dir}/dangling link`, target: "/nonexistent/target", mtime: installed },
    { kind: "dir", path: `${dir}/empty dir` },
  );
  return out;
}

// ---------------------------------------------------------------------------------------------

interface Written {
  fingerprint: string;
  size: number;
}

/**
 * Applies successive trees to one directory. Files whose fingerprint did not change are left
 * alone (same inode, ctime and mtime: borg's files cache does not even read them); growing random
 * files are appended to; files that are gone from the tree are deleted.
 */
export class Materializer {
  private files = new Map<string, Written & { abs: string | Buffer }>();
  private links = new Map<string, string>();
  private dirs = new Set<string>();

  constructor(readonly root: string) {}

  apply(entries: TreeEntry[], at: Date): { written: number; deleted: number } {
    let written = 0;
    let deleted = 0;
    const seenFiles = new Set<string>();
    const seenLinks = new Set<string>();
    for (const e of entries) {
      if (e.kind === "dir") {
        this.mkdir(e.path);
        continue;
      }
      if (e.kind === "symlink") {
        seenLinks.add(e.path);
        if (this.links.get(e.path) === e.target) continue;
        const abs = path.join(this.root, e.path);
        this.mkdir(path.dirname(e.path));
        fs.rmSync(abs, { force: true });
        fs.symlinkSync(e.target, abs);
        const t = e.mtime ?? new Date(at.getTime() - HOUR);
        fs.lutimesSync(abs, t, t);
        this.links.set(e.path, e.target);
        continue;
      }
      const key = typeof e.path === "string" ? e.path : `${e.path.dir}/\0${e.path.name.toString("hex")}`;
      seenFiles.add(key);
      const prev = this.files.get(key);
      if (prev?.fingerprint === e.fingerprint) continue;
      const dir = typeof e.path === "string" ? path.dirname(e.path) : e.path.dir;
      this.mkdir(dir);
      const abs = typeof e.path === "string" ? path.join(this.root, e.path) : Buffer.concat([Buffer.from(path.join(this.root, e.path.dir) + "/"), e.path.name]);
      let size: number;
      if (e.append && prev && prev.fingerprint.startsWith(`r:${e.append.seed}:`) && prev.size <= e.append.size) {
        fs.appendFileSync(abs, streamBytes(e.append.seed, prev.size, e.append.size));
        size = e.append.size;
      } else {
        const data = e.content();
        fs.writeFileSync(abs, data);
        size = Buffer.byteLength(data);
      }
      if (e.mode !== undefined) fs.chmodSync(abs, e.mode);
      fs.utimesSync(abs, e.mtime, e.mtime);
      this.files.set(key, { fingerprint: e.fingerprint, size, abs });
      written++;
    }
    for (const [key, f] of this.files) {
      if (seenFiles.has(key)) continue;
      fs.rmSync(f.abs, { force: true });
      this.files.delete(key);
      deleted++;
    }
    for (const [p] of this.links) {
      if (seenLinks.has(p)) continue;
      fs.rmSync(path.join(this.root, p), { force: true });
      this.links.delete(p);
      deleted++;
    }
    if (deleted > 0) this.removeEmptyDirs(entries);
    // Directory times as of the backup, not of the seeding run.
    const dirTime = new Date(at.getTime() - HOUR);
    for (const d of this.dirs) fs.utimesSync(path.join(this.root, d), dirTime, dirTime);
    return { written, deleted };
  }

  private mkdir(rel: string) {
    if (this.dirs.has(rel)) return;
    fs.mkdirSync(path.join(this.root, rel), { recursive: true });
    for (let d = rel; d && d !== "." && !this.dirs.has(d); d = path.dirname(d)) this.dirs.add(d);
  }

  /** Remove directories no longer holding anything (expired Prometheus blocks, old artifacts). */
  private removeEmptyDirs(entries: TreeEntry[]) {
    const wanted = new Set(entries.filter((e): e is DirEntry => e.kind === "dir").map((e) => e.path));
    const byDepth = [...this.dirs].sort((a, b) => b.split("/").length - a.split("/").length);
    for (const d of byDepth) {
      if (wanted.has(d)) continue;
      try {
        fs.rmdirSync(path.join(this.root, d));
        this.dirs.delete(d);
      } catch {
        /* not empty */
      }
    }
  }
}
