/**
 * Reads an async iterable ahead of its consumer, up to `limit` items, so a slow producer (the next
 * listing page) runs while the consumer works (the narinfo reads) instead of between their
 * batches. Memory is bounded by `limit`; an error of the producer reaches the consumer in order.
 */
export async function* readAhead<T>(source: AsyncIterable<T>, limit: number): AsyncGenerator<T> {
  const buffer: T[] = [];
  let finished = false;
  let failure: { error: unknown } | undefined;
  let wakeConsumer: (() => void) | undefined;
  let wakeProducer: (() => void) | undefined;
  let stopped = false;
  const producer = (async () => {
    try {
      for await (const item of source) {
        if (stopped) return;
        buffer.push(item);
        wakeConsumer?.();
        while (buffer.length >= limit && !stopped) await new Promise<void>((resolve) => (wakeProducer = resolve));
        if (stopped) return;
      }
    } catch (error) {
      failure = { error };
    } finally {
      finished = true;
      wakeConsumer?.();
    }
  })();
  try {
    for (;;) {
      if (buffer.length > 0) {
        const item = buffer.shift()!;
        wakeProducer?.();
        yield item;
        continue;
      }
      if (failure) throw failure.error;
      if (finished) return;
      await new Promise<void>((resolve) => (wakeConsumer = resolve));
      wakeConsumer = undefined;
    }
  } finally {
    stopped = true;
    wakeProducer?.();
    await producer;
  }
}
