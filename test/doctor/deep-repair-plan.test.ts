/**
 * What `doctor --repair` plans to do from the findings (the deletions themselves, each checked
 * again before it, run on the real servers in test/integration/doctor-repair.test.ts).
 */
import { describe, expect, it } from 'vitest';
import type { DeepVerdict } from '../../source/doctor/deep-check';
import { Findings } from '../../source/doctor/findings';
import { describeRepair, planRepair, repairIsEmpty } from '../../source/doctor/repair';
import { doctorSettings } from '../../source/doctor/repair-options';

const now = new Date('2026-12-05T12:00:00Z');
const hoursAgo = (hours: number) => new Date(now.getTime() - hours * 3_600_000).toISOString();
const DAY = 86_400_000;
const h = (c: string) => c.repeat(32);

function corrupt(hash: string, narKey: string): DeepVerdict {
  return { narinfoKey: `${hash}.narinfo`, storePath: `/nix/store/${hash}-x`, narKey, status: 'corrupt', problems: [{ kind: 'nar-hash', detail: 'NarHash differs' }], bytes: 10 };
}

describe('the repair plan', () => {
  it('deletes a dangling narinfo with its .ls, and nothing of a healthy cache', () => {
    const findings = new Findings();
    expect(repairIsEmpty(planRepair({ findings: findings.list(), minAgeMs: DAY, now }))).toBe(true);
    findings.add('nar-missing', { key: `${h('a')}.narinfo`, storePath: `/nix/store/${h('a')}-a`, url: 'nar/gone.nar.xz' });
    const plan = planRepair({ findings: findings.list(), minAgeMs: DAY, now });
    expect(plan.narinfos.map((item) => item.key)).toEqual([`${h('a')}.narinfo`]);
    expect(plan.orphanLs.map((item) => item.key)).toEqual([`${h('a')}.ls`]);
    expect(plan.brokenNars).toEqual([]);
  });

  it('leaves orphans and uploads younger than --min-age, and deletes the older ones', () => {
    const findings = new Findings();
    findings.add('orphan-nar', { key: 'nar/old.nar.xz', size: 5, lastModified: hoursAgo(30) });
    findings.add('orphan-nar', { key: 'nar/young.nar.xz', size: 5, lastModified: hoursAgo(2) });
    findings.add('stale-upload', { key: 'nar/u.nar.xz', uploadId: '1', initiated: hoursAgo(2) });
    const plan = planRepair({ findings: findings.list(), minAgeMs: DAY, now });
    expect(plan.orphanNars.map((item) => item.key)).toEqual(['nar/old.nar.xz']);
    expect(plan.uploads).toEqual([]);
    expect(plan.notRepaired.join('\n')).toMatch(/1 orphan NARs are younger than --min-age/);
    const all = planRepair({ findings: findings.list(), minAgeMs: 0, now });
    expect(all.orphanNars).toHaveLength(2);
    expect(all.uploads).toHaveLength(1);
  });

  it('deletes no orphan NAR when some narinfo could not be read: it may point to it', () => {
    for (const kind of ['read-failed', 'unreadable-narinfo'] as const) {
      const findings = new Findings();
      findings.add('orphan-nar', { key: 'nar/old.nar.xz', size: 5, lastModified: hoursAgo(30) });
      if (kind === 'read-failed') findings.add(kind, { key: `${h('b')}.narinfo`, error: 'ECONNRESET' });
      else findings.add(kind, { key: `${h('b')}.narinfo`, reason: 'no StorePath' });
      const plan = planRepair({ findings: findings.list(), minAgeMs: 0, now });
      expect(plan.orphanNars).toEqual([]);
      expect(plan.notRepaired.join('\n')).toMatch(/could not be read/);
    }
  });

  it('deletes a corrupt NAR only when every narinfo pointing to it goes too', () => {
    const findings = new Findings().list();
    const deep = [corrupt(h('c'), 'nar/shared.nar'), corrupt(h('d'), 'nar/alone.nar')];
    const counted = planRepair({ findings, deep, narReferences: new Map([['nar/shared.nar', 2], ['nar/alone.nar', 1]]), minAgeMs: DAY, now });
    expect(counted.narinfos.map((item) => item.key).sort()).toEqual([`${h('c')}.narinfo`, `${h('d')}.narinfo`]);
    expect(counted.brokenNars).toEqual(['nar/alone.nar']);
    expect(counted.notRepaired.join('\n')).toMatch(/nar\/shared\.nar is left: 1 other narinfos point to it/);
    const unknown = planRepair({ findings, deep, minAgeMs: DAY, now });
    expect(unknown.brokenNars).toEqual([]);
  });

  it('leaves what no deletion fixes, and says so', () => {
    const findings = new Findings();
    findings.add('incomplete-closure', { key: `${h('e')}.narinfo`, storePath: `/nix/store/${h('e')}-e`, missing: ['x'] });
    findings.add('old-key-only', { key: `${h('f')}.narinfo`, storePath: `/nix/store/${h('f')}-f`, signers: ['old-1'] });
    const plan = planRepair({ findings: findings.list(), minAgeMs: DAY, now });
    expect(repairIsEmpty(plan)).toBe(true);
    expect(describeRepair(plan).join('\n')).toMatch(/incomplete-closure[\s\S]*old-key-only/);
  });

  it('rewrites an aws-chunked object, unless it is deleted anyway', () => {
    const findings = new Findings();
    findings.add('aws-chunked', { key: `${h('g')}.narinfo`, kind: 'narinfo' });
    findings.add('aws-chunked', { key: 'nar/gone-anyway.nar', kind: 'nar' });
    findings.add('orphan-nar', { key: 'nar/gone-anyway.nar', size: 1, lastModified: hoursAgo(48) });
    const plan = planRepair({ findings: findings.list(), minAgeMs: DAY, now });
    expect(plan.awsChunked).toEqual([`${h('g')}.narinfo`]);
  });
});

describe('the doctor flags', () => {
  it('defaults to a scan; --sample implies --deep; --min-age defaults to a day and allows 0', () => {
    expect(doctorSettings(undefined)).toEqual({ deep: false, repair: false, minAgeMs: DAY });
    expect(doctorSettings({ deep: false, sample: '100', repair: false, minAge: undefined })).toMatchObject({ deep: true, sample: 100 });
    expect(doctorSettings({ deep: false, sample: undefined, repair: true, minAge: '0' }).minAgeMs).toBe(0);
    expect(doctorSettings({ deep: false, sample: undefined, repair: true, minAge: '90m' }).minAgeMs).toBe(90 * 60_000);
  });

  it('refuses a bad --sample or --min-age naming the flag (exit 2)', () => {
    for (const [flags, field] of [
      [{ deep: true, sample: '0', repair: false, minAge: undefined }, '--sample'],
      [{ deep: true, sample: 'ten', repair: false, minAge: undefined }, '--sample'],
      [{ deep: false, sample: undefined, repair: true, minAge: '5' }, '--min-age'],
      [{ deep: false, sample: undefined, repair: false, minAge: '1d' }, '--min-age'],
    ] as const) {
      expect(() => doctorSettings(flags)).toThrow(expect.objectContaining({ field, message: expect.stringContaining(field) }));
    }
  });
});
