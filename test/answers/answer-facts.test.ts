/**
 * resolveAnswers touches no disk: what the disk says comes in as facts, read once for the answers
 * that name it (source/facts/read-facts.ts). Facts read for other answers are refused, and a bad
 * file is said only when the answers need it, naming the answer.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ANSWER_DEFAULTS } from '../../source/answers/answer-defaults';
import { requireCompleteAnswers, resolveAnswers } from '../../source/answers/resolve-answers';
import { UsageError } from '../../source/errors';
import { readFacts } from '../../source/facts/read-facts';
import { rotationStatePath } from '../../source/state/rotation-state';

const ADMIN = { accessKey: 'admin', secretKey: 'Admin-Secret-1' };

function sandbox() {
  const home = mkdtempSync(join(tmpdir(), 'ncw-facts-'));
  const effects = { env: {}, home, cwd: home };
  const write = (path: string, text: string) => {
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, text);
  };
  return { home, effects, write };
}

describe('the facts answers are resolved with', () => {
  test('are read for what the answers name, and resolving them again reads nothing', async () => {
    const { home, effects, write } = sandbox();
    write(join(home, '.mc', 'config.json'), JSON.stringify({ aliases: { lab: { url: 'https://s3.lab:9000/', ...ADMIN } } }));
    write(rotationStatePath(effects, 'https://s3.lab:9000', 'nix-cache'), JSON.stringify({ trusted: ['old-1:AAAA'] }));
    const input = { admin: { mcAlias: 'lab' } };
    const facts = await readFacts(input, effects);
    expect(facts.trustedKeys).toMatchObject({ endpoint: 'https://s3.lab:9000', bucket: 'nix-cache', keys: ['old-1:AAAA'] });
    // When the files change after the facts were read, resolving does not see it: it reads no disk
    write(join(home, '.mc', 'config.json'), '{ not json');
    const { answers } = requireCompleteAnswers(input, facts);
    expect(answers).toMatchObject({ endpoint: 'https://s3.lab:9000', alias: 'lab', admin: ADMIN, key: { trusted: ['old-1:AAAA'] } });
  });

  test('read for other answers are refused instead of resolving with the wrong files', async () => {
    const { effects } = sandbox();
    const facts = await readFacts({ endpoint: 'https://s3.lab:9000', admin: ADMIN }, effects);
    expect(() => resolveAnswers({ endpoint: 'https://s3.lab:9000', admin: ADMIN, bucket: 'other' }, facts)).toThrow(/the rotation state/);
    expect(() => resolveAnswers({ endpoint: 'https://s3.lab:9000', admin: ADMIN, caFile: './ca.pem' }, facts)).toThrow(/the CA file/);
    expect(() => resolveAnswers({ endpoint: 'https://s3.lab:9000', admin: ADMIN, files: { mcConfig: './mc.json' } }, facts)).toThrow(/the mc config/);
  });

  test('say a bad mc config only when an alias is looked up in it, naming admin.mcAlias', async () => {
    const { home, effects, write } = sandbox();
    write(join(home, '.mc', 'config.json'), '{ not json');
    const given = { endpoint: 'https://s3.lab:9000', admin: ADMIN };
    expect(requireCompleteAnswers(given, await readFacts(given, effects)).answers.endpoint).toBe('https://s3.lab:9000');
    const byAlias = { admin: { mcAlias: 'lab' } };
    const facts = await readFacts(byAlias, effects);
    expect(() => resolveAnswers(byAlias, facts)).toThrow(UsageError);
    expect(() => resolveAnswers(byAlias, facts)).toThrow(/admin\.mcAlias: the mc config .* is not valid JSON/);
  });

  test('say a CA file that is missing or no certificate as an issue of caFile', async () => {
    const { home, effects, write } = sandbox();
    const missing = { endpoint: 'https://s3.lab:9000', admin: ADMIN, caFile: '~/no-such-ca.pem' };
    await expect(resolveWith(missing, effects)).rejects.toMatchObject({ field: 'caFile', message: expect.stringContaining('cannot read ~/no-such-ca.pem') });
    write(join(home, 'not-a-ca.pem'), 'hello\n');
    await expect(resolveWith({ ...missing, caFile: '~/not-a-ca.pem' }, effects)).rejects.toThrow(/holds no PEM certificate/);
  });

  test('fill every answer left out from the one defaults table', async () => {
    const { effects } = sandbox();
    const given = { endpoint: 'https://s3.lab:9000', admin: ADMIN };
    const { answers } = requireCompleteAnswers(given, await readFacts(given, effects));
    expect(answers).toMatchObject({ ...ANSWER_DEFAULTS, builder: { ...ANSWER_DEFAULTS.builder }, reader: { ...ANSWER_DEFAULTS.reader }, key: { ...ANSWER_DEFAULTS.key } });
  });
});

async function resolveWith(input: Parameters<typeof readFacts>[0], effects: Parameters<typeof readFacts>[1]) {
  return requireCompleteAnswers(input, await readFacts(input, effects));
}
