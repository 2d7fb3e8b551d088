/** Host names as the config allows them (lib/config/schema.ts hostNameSchema). */
const HOST_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/;

/** The route parameter as a host name, or null when it is not one (bad escapes included). */
export function parseHostParam(raw: string): string | null {
  let host: string;
  try {
    host = decodeURIComponent(raw);
  } catch {
    return null;
  }
  return HOST_NAME.test(host) ? host : null;
}
