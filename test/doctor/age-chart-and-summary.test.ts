import { describe, expect, it } from 'vitest';
import { ageChart, renderAgeChart } from '../../source/doctor/age-chart';
import { doctorJson, summarizeScan } from '../../source/doctor/doctor-summary';
import { scanCache } from '../../source/doctor/scan-cache';
import { progressLine, progressText } from '../../source/doctor/progress-line';
import { nativeVerifier } from '../../source/keys/native-ed25519';
import { nixHash, SyntheticCache } from './synthetic-cache';

describe('narinfos by upload age', () => {
  it('groups by week while the cache is younger than 12 weeks', () => {
    const chart = ageChart(new Map([[0, 5], [6, 1], [8, 2], [20, 4]]));
    expect(chart.unit).toBe('week');
    expect(chart.buckets.map((b) => [b.label, b.count])).toEqual([['this week', 6], ['1 week ago', 2], ['2 weeks ago', 4]]);
  });

  it('groups by month past that, the rows beyond 12 gathered as older', () => {
    const chart = ageChart(new Map([[0, 1], [100, 2], [400, 3], [1000, 4]]));
    expect(chart.unit).toBe('month');
    expect(chart.buckets).toHaveLength(12);
    expect(chart.buckets[3]).toMatchObject({ label: '3 months ago', count: 2 });
    expect(chart.buckets[11]).toMatchObject({ label: 'older', toDays: null, count: 7 });
    expect(chart.buckets.reduce((sum, b) => sum + b.count, 0)).toBe(10);
  });

  it('draws bars proportional to the counts, every non-empty row at least one cell', () => {
    const lines = renderAgeChart({ unit: 'week', buckets: [{ label: 'this week', fromDays: 0, toDays: 7, count: 100 }, { label: '1 week ago', fromDays: 7, toDays: 14, count: 1 }, { label: '2 weeks ago', fromDays: 14, toDays: 21, count: 0 }] }, 10);
    expect(lines[0]).toBe('this week    ██████████ 100');
    expect(lines[1]).toBe('1 week ago   █          1');
    expect(lines[2]).toBe('2 weeks ago             0');
  });

  it('draws nothing for an empty cache', () => {
    expect(renderAgeChart(ageChart(new Map()))).toEqual([]);
  });
});

const command = (args: string) => `nix-cache-wizard doctor${args ? ` ${args}` : ''}`;

async function report(cache: SyntheticCache) {
  return scanCache({ source: cache.withUploads(), trusted: [nativeVerifier(cache.key.publicKey())], now: cache.now });
}

describe('the summary', () => {
  it('says healthy in one line after the inventory', async () => {
    const cache = new SyntheticCache();
    const path = cache.addPath({ name: 'hello' });
    const narinfoSize = cache.objects.get(path.narinfo)!.size;
    const lines = summarizeScan(await report(cache), { command, cacheName: 'bucket c at http://h' });
    expect(lines[0]).toBe(`The cache (bucket c at http://h): 2 objects, ${narinfoSize + 505} B`);
    expect(lines).toContain(`  narinfo   1  ${narinfoSize} B`);
    expect(lines).toContain('  NAR (xz)  1  505 B');
    expect(lines.at(-1)).toMatch(/^✔ Healthy/);
    expect(lines.join('\n')).toContain('Narinfos by upload age (weeks):');
    expect(lines.join('\n')).toContain('cache.test-1 verifies 1; no trusted key verifies 0');
  });

  it('names what is wrong with a few keys, "and N more", and the command that fixes it', async () => {
    const cache = new SyntheticCache();
    for (let i = 0; i < 8; i++) {
      const path = cache.addPath({ name: `p${i}` });
      cache.objects.delete(path.nar);
    }
    const lines = summarizeScan(await report(cache), { command, cacheName: 'c', shown: 5 });
    const text = lines.join('\n');
    expect(text).toContain('✖ 8 narinfos point to a NAR that is not there: clients fail on these paths');
    expect(lines.filter((line) => /^ {4}[0-9a-z]{32}\.narinfo → nar\/\S+\.nar\.xz \(\/nix\/store\/[0-9a-z]{32}-p\d\)$/.test(line))).toHaveLength(5);
    expect(text).toContain('    and 3 more (--json lists them)');
    expect(lines.slice(-2)).toEqual(['To fix:', '  nix-cache-wizard doctor --repair']);
  });

  it('gives --json every finding with its count and keys', async () => {
    const cache = new SyntheticCache();
    cache.put(`nar/${nixHash('o', 52)}.nar.xz`, 'x'.repeat(10), { ageDays: 4 });
    const json = doctorJson(await report(cache)) as { healthy: boolean; findings: { kind: string; count: number; listed: number; items: { key: string }[] }[] };
    expect(json.healthy).toBe(false);
    expect(json.findings).toEqual([{ kind: 'orphan-nar', severity: 'waste', count: 1, bytes: 10, listed: 1, items: [expect.objectContaining({ key: `nar/${nixHash('o', 52)}.nar.xz` })] }]);
  });
});

describe('the progress line', () => {
  it('says counts and an ETA from the rate so far', () => {
    expect(progressText({ phase: 'listing', done: 12_000, total: undefined, bytes: 0 }, 1000)).toBe('Listing the bucket: 12,000 objects');
    expect(progressText({ phase: 'narinfos', done: 1000, total: 3000, bytes: 0 }, 2000)).toBe('Checking narinfos: 1,000 of 3,000 (33%), about 4 s left');
  });

  it('writes one line every 5 s at most when stderr is not a terminal', () => {
    const written: string[] = [];
    let now = 0;
    const line = progressLine({ write: (text: string) => written.push(text) } as unknown as NodeJS.WritableStream, () => now);
    for (let i = 0; i < 100; i++) {
      now = 5000 + i * 100;
      line.update({ phase: 'narinfos', done: i, total: 100, bytes: 0 });
    }
    line.done();
    expect(written).toHaveLength(2);
    expect(written.every((text) => text.endsWith('\n') && !text.includes('\r'))).toBe(true);
  });

  it('rewrites one line in place on a terminal, at most every 200 ms, and clears it at the end', () => {
    const written: string[] = [];
    let now = 0;
    const stream = { isTTY: true, write: (text: string) => written.push(text) } as unknown as NodeJS.WritableStream & { isTTY: boolean };
    const line = progressLine(stream, () => now);
    for (let i = 0; i < 10; i++) {
      now = 1000 + i * 100;
      line.update({ phase: 'listing', done: i * 1000, total: undefined, bytes: 0 });
    }
    line.done();
    expect(written).toHaveLength(6);
    expect(written.slice(0, 5).every((text) => text.startsWith('\r\u001b[2K') && !text.includes('\n'))).toBe(true);
    expect(written.at(-1)).toBe('\r\u001b[2K');
  });
});
