/**
 * The reads of one run, shared by every step that needs them (issue 12): the bucket policy, the
 * lifecycle configuration, the builder user … are each asked for once per run, however many
 * steps look at them, and steps checking at the same time share the request in flight. Our own
 * writes keep it true: a write either forgets what it changed (the next read asks the server) or,
 * where the server keeps exactly what we sent, remembers that (no read-back needed).
 *
 * A run is one walk of the steps (runSteps): a check made at the review screen is not reused when
 * the user confirms minutes later.
 */
export interface ReadCache {
  /** the value read under `key` in this run, asking `fetch` only the first time (a failure is shared too) */
  read<T>(key: string, fetch: () => Promise<T>): Promise<T>;
  /** our write changed what the keys starting with `prefix` name: their next read asks the server */
  forget(prefix: string): void;
  /** our write left exactly `value` under `key` on the server */
  remember<T>(key: string, value: T): void;
  /** what this run has read (or remembered) under `key`, without asking the server; undefined when nothing */
  peek<T>(key: string): Promise<T> | undefined;
}

export function createReadCache(): ReadCache {
  const entries = new Map<string, Promise<unknown>>();
  return {
    read<T>(key: string, fetch: () => Promise<T>): Promise<T> {
      let entry = entries.get(key) as Promise<T> | undefined;
      if (entry === undefined) {
        entry = fetch();
        entries.set(key, entry);
      }
      return entry;
    },
    forget(prefix) {
      for (const key of [...entries.keys()]) if (key.startsWith(prefix)) entries.delete(key);
    },
    remember(key, value) {
      entries.set(key, Promise.resolve(value));
    },
    peek<T>(key: string) {
      return entries.get(key) as Promise<T> | undefined;
    },
  };
}
