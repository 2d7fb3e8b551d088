/**
 * The dashboard's public base URL, for links that leave the dashboard (alert annotations, e-mails).
 * From BORG_FLEET_PUBLIC_URL, else the config's publicUrl, else http://localhost:<PORT>.
 */
const KEY = Symbol.for("borg-fleet.public-url");
type GlobalWithUrl = typeof globalThis & { [KEY]?: string };

export function setPublicUrl(url: string | undefined): void {
  if (url) (globalThis as GlobalWithUrl)[KEY] = url.replace(/\/+$/, "");
}

export function publicBaseUrl(): string {
  const fromEnv = process.env.BORG_FLEET_PUBLIC_URL;
  if (fromEnv) return fromEnv.replace(/\/+$/, "");
  return (globalThis as GlobalWithUrl)[KEY] ?? `http://localhost:${process.env.PORT || 3000}`;
}

export function hostPath(host: string): string {
  return `/hosts/${encodeURIComponent(host)}`;
}

export function hostDashboardUrl(host: string): string {
  return `${publicBaseUrl()}${hostPath(host)}`;
}
