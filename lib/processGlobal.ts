/**
 * A value shared by every copy of a module in this server process. Next.js may load one module in
 * several bundles (instrumentation, route handlers, pages), so a plain module-level variable would
 * exist once per bundle; a slot on globalThis, keyed by a registered symbol, exists once.
 */
export interface ProcessGlobal<T> {
  get(): T | undefined;
  set(value: T | undefined): void;
  /** The value, created on first use. */
  ensure(create: () => T): T;
}

export function processGlobal<T>(name: string): ProcessGlobal<T> {
  const key = Symbol.for(`borg-fleet.${name}`);
  const slots = globalThis as unknown as Record<symbol, T | undefined>;
  return {
    get: () => slots[key],
    set: (value) => {
      slots[key] = value;
    },
    ensure: (create) => (slots[key] ??= create()),
  };
}
