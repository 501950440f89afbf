/**
 * readNarinfos holds at most `concurrency` narinfos at once (issue 18: memory flat): a stand-in
 * for the client's GET (what a test cannot make a real server do: answer late on demand and count
 * how many requests are open) shows that no more reads are open than that, and none start while
 * the consumer has not taken the last one. A key the listing named that the server says is not
 * there is asked for again before it counts as gone (issue 20).
 */
import { Readable } from 'node:stream';
import type { Client } from 'minio';
import { describe, expect, it } from 'vitest';
import { type FetchedNarinfo, readNarinfos } from '../../source/inventory/read-narinfos';
import { runWithRequestRules } from '../../source/requests/request-rules';
import { basename, narinfoText, nixHash } from '../doctor/synthetic-cache';

function slowClient() {
  const state = { open: 0, maxOpen: 0, started: 0 };
  const client = {
    async getObject(_bucket: string, key: string) {
      state.open += 1;
      state.started += 1;
      state.maxOpen = Math.max(state.maxOpen, state.open);
      await new Promise((resolve) => setImmediate(resolve));
      state.open -= 1;
      if (key.startsWith(nixHash('gone'))) throw Object.assign(new Error('gone'), { code: 'NoSuchKey' });
      const name = key.startsWith(nixHash('p3')) ? 'p3' : 'p';
      const body = Readable.from([Buffer.from(narinfoText({ name }, null, 'nar/x.nar.xz', 1))]) as Readable & { headers: Record<string, string> };
      body.headers = { etag: '"e"', 'content-type': 'text/x-nix-narinfo', 'x-amz-meta-a': 'b', 'content-encoding': key.startsWith(nixHash('p3')) ? 'aws-chunked' : '' };
      return body;
    },
  };
  return { client: client as unknown as Client, state };
}

async function* keys(names: string[]) {
  for (const name of names) yield `${nixHash(name)}.narinfo`;
}

describe('reading narinfos with bounded concurrency', () => {
  it('never has more than `concurrency` reads open, and reads each key once', async () => {
    const { client, state } = slowClient();
    const names = Array.from({ length: 50 }, (_, i) => `n${i}`);
    const read: string[] = [];
    for await (const fetched of readNarinfos(client, 'b', keys(names), { concurrency: 4 })) read.push(fetched.key);
    expect(read.sort()).toEqual(names.map((name) => `${nixHash(name)}.narinfo`).sort());
    expect(state.maxOpen).toBeLessThanOrEqual(4);
    expect(state.maxOpen).toBeGreaterThan(1);
  });

  it('starts no read while the consumer holds the last narinfo', async () => {
    const { client, state } = slowClient();
    const iterator = readNarinfos(client, 'b', keys(Array.from({ length: 20 }, (_, i) => `n${i}`)), { concurrency: 3 });
    await iterator.next();
    const started = state.started;
    // several turns of the event loop, each long enough for a stand-in read to start and finish
    for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve));
    expect(state.started).toBe(started);
    expect(started).toBeLessThanOrEqual(3 + 1);
    await iterator.return(undefined);
  });

  it('tells a key gone since the listing to onMissing (asked for twice more first, after 1 and 2 s), keeps metadata, and parses an aws-chunked body', async () => {
    const { client, state } = slowClient();
    const missing: string[] = [];
    const out: FetchedNarinfo[] = [];
    const slept: number[] = [];
    await runWithRequestRules({ sleep: async (ms) => void slept.push(ms) }, async () => {
      for await (const fetched of readNarinfos(client, 'b', keys(['gone', 'p3']), { onMissing: (key) => missing.push(key) })) out.push(fetched);
    });
    expect(missing).toEqual([`${nixHash('gone')}.narinfo`]);
    expect(state.started).toBe(1 + 3);
    expect(slept).toEqual([1000, 2000]);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ contentEncoding: 'aws-chunked', metadata: { 'Content-Type': 'text/x-nix-narinfo', 'x-amz-meta-a': 'b' }, narinfo: { storePath: `/nix/store/${basename('p3')}` } });
    expect(out[0]!.problem).toBeUndefined();
  });
});
