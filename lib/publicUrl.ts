/**
 * The dashboard's public base URL, for links that leave the dashboard (alert annotations, e-mails).
 * From BORG_FLEET_PUBLIC_URL, else the config's publicUrl, else http://localhost:<PORT>.
 */
import { processGlobal } from "@/lib/processGlobal";
const publicUrl = processGlobal<string>("public-url");

export function setPublicUrl(url: string | undefined): void {
  if (url) publicUrl.set(url.replace(/\/+$/, ""));
}

export function publicBaseUrl(): string {
  const fromEnv = process.env.BORG_FLEET_PUBLIC_URL;
  if (fromEnv) return fromEnv.replace(/\/+$/, "");
  return publicUrl.get() ?? `http://localhost:${process.env.PORT || 3000}`;
}

export function hostPath(host: string): string {
  return `/hosts/${encodeURIComponent(host)}`;
}

export function hostDashboardUrl(host: string): string {
  return `${publicBaseUrl()}${hostPath(host)}`;
}
