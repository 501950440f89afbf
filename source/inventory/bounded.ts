/**
 * `work` over `items`, at most `concurrency` at once, results in the order they finish. An item is
 * taken from `items` only when a slot is free, so memory holds `concurrency` items whatever the
 * stream's length (a bucket's listing, its narinfos, its NARs). The one bounded pool of the
 * inventory, the doctor and prune.
 */
export async function* bounded<T, R>(items: AsyncIterable<T> | Iterable<T>, concurrency: number, work: (item: T) => Promise<R>): AsyncGenerator<R> {
  const source = Symbol.asyncIterator in items ? items[Symbol.asyncIterator]() : (items as Iterable<T>)[Symbol.iterator]();
  const inFlight = new Map<number, Promise<{ id: number; result: R }>>();
  let nextId = 0;
  let exhausted = false;
  try {
    for (;;) {
      while (!exhausted && inFlight.size < Math.max(1, concurrency)) {
        const item = await source.next();
        if (item.done) {
          exhausted = true;
          break;
        }
        const id = nextId++;
        inFlight.set(id, work(item.value).then((result) => ({ id, result })));
      }
      if (inFlight.size === 0) return;
      const done = await Promise.race(inFlight.values());
      inFlight.delete(done.id);
      yield done.result;
    }
  } finally {
    if (!exhausted) await source.return?.(undefined);
  }
}
