/**
 * The policy and expiry steps merge into a document others also write (SPEC 5): apply starts
 * from what is there now, and a write the server does not keep is a failure, not a success.
 */
import { describe, expect, it } from 'vitest';
import { StepError } from '../../../source/errors';
import { mergingStep, type Inspection } from '../../../source/backends/s3/merging-step';
import type { SaveBackup } from '../../../source/files/save-server-backup';

function stepOver(states: Inspection<string>[], writes: string[], saveBackup?: SaveBackup) {
  let reads = 0;
  return mergingStep<string>({
    backupName: 'nix-cache.bucket-policy.json',
    saveBackup,
    id: 'anonymous',
    title: 'Anonymous access',
    why: 'because',
    command: 'aws s3api put-bucket-policy …',
    bucket: 'nix-cache',
    document: 'the bucket policy of nix-cache',
    inspect: async () => states[Math.min(reads++, states.length - 1)]!,
    write: async (change) => {
      writes.push(change);
      return `wrote ${change}`;
    },
  });
}

describe('a merging step', () => {
  it('writes the merge it finds at apply time and confirms it by reading back', async () => {
    const writes: string[] = [];
    const step = stepOver([{ status: 'todo', detail: 'missing', change: 'merged' }, { status: 'done', detail: 'holds it' }], writes);
    await expect(step.apply()).resolves.toBe('wrote merged');
    expect(writes).toEqual(['merged']);
  });

  it('writes nothing when the document already holds ours', async () => {
    const writes: string[] = [];
    await expect(stepOver([{ status: 'done', detail: 'holds it' }], writes).apply()).resolves.toBe('holds it');
    expect(writes).toEqual([]);
  });

  it('refuses a conflict and a missing bucket, naming the step, without writing', async () => {
    const writes: string[] = [];
    await expect(stepOver([{ status: 'conflict', detail: 'the policy is not JSON' }], writes).apply()).rejects.toMatchObject({ step: 'anonymous', message: 'the policy is not JSON' });
    const missing = stepOver([{ status: 'todo', detail: 'bucket missing' }], writes).apply();
    await expect(missing).rejects.toBeInstanceOf(StepError);
    await expect(missing).rejects.toMatchObject({ message: 'Bucket nix-cache does not exist.', hint: expect.stringContaining('bucket step') });
    expect(writes).toEqual([]);
  });

  it('fails when the server accepts the write but does not keep it', async () => {
    const writes: string[] = [];
    const step = stepOver([{ status: 'todo', detail: 'missing', change: 'merged' }, { status: 'todo', detail: 'still missing', change: 'merged' }], writes);
    await expect(step.apply()).rejects.toMatchObject({
      step: 'anonymous',
      message: 'The server accepted the bucket policy of nix-cache but does not hold it: still missing.',
    });
    expect(writes).toEqual(['merged']);
  });

  it('checks without the change it computed: a check result is only status and detail', async () => {
    const step = stepOver([{ status: 'todo', detail: 'missing', change: 'merged' }], []);
    expect(await step.check()).toEqual({ status: 'todo', detail: 'missing' });
  });

  it('saves the whole previous document before replacing settings someone else made, and names the backup', async () => {
    const writes: string[] = [];
    const saved: string[][] = [];
    const save: SaveBackup = async (name, content) => {
      expect(writes).toEqual([]);
      saved.push([name, content]);
      return '/work/nix-cache.bucket-policy.bak-20261125T101500Z.json';
    };
    const step = stepOver([{ status: 'todo', detail: 'replace: theirs', change: 'merged', previous: '{"theirs":1}' }, { status: 'done', detail: 'holds it' }], writes, save);
    await expect(step.apply()).resolves.toBe('wrote merged; the bucket policy of nix-cache as it was before is saved in /work/nix-cache.bucket-policy.bak-20261125T101500Z.json');
    expect(saved).toEqual([['nix-cache.bucket-policy.json', '{"theirs":1}']]);
    expect(writes).toEqual(['merged']);
  });

  it('replaces nothing when the backup cannot be saved, or there is no place for one', async () => {
    const writes: string[] = [];
    const replacing: Inspection<string> = { status: 'todo', detail: 'replace: theirs', change: 'merged', previous: '{}' };
    const failing: SaveBackup = async () => {
      throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
    };
    await expect(stepOver([replacing], writes, failing).apply()).rejects.toMatchObject({
      step: 'anonymous',
      message: 'Could not save the bucket policy of nix-cache to a local backup file (EACCES); nothing was changed.',
      hint: expect.stringContaining('--out DIR'),
    });
    await expect(stepOver([replacing], writes).apply()).rejects.toMatchObject({ step: 'anonymous', message: expect.stringContaining('no place to save one') });
    expect(writes).toEqual([]);
  });
});
