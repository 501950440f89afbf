import { describe, expect, it } from 'vitest';
import { FileParseError } from '../../source/errors';
import { maskMcConfigSecrets, renderMcConfig } from '../../source/files/render-mc-config';

const INPUT = { alias: 's3', url: 'https://s3.example.org:9000', accessKey: 'minioadmin', secretKey: 'Adm1n+secret', path: '/h/.mc/config.json' };
const OURS = { url: INPUT.url, accessKey: 'minioadmin', secretKey: 'Adm1n+secret', api: 's3v4', path: 'auto' };

// What `mc` itself writes: tab indentation, aliases in its own order.
const MC_WRITTEN = `{
\t"version": "10",
\t"aliases": {
\t\t"gcs": {
\t\t\t"url": "https://storage.googleapis.com",
\t\t\t"accessKey": "YOUR-ACCESS-KEY-HERE",
\t\t\t"secretKey": "YOUR-SECRET-KEY-HERE",
\t\t\t"api": "S3v2",
\t\t\t"path": "dns"
\t\t},
\t\t"local": {
\t\t\t"url": "http://localhost:9000",
\t\t\t"accessKey": "",
\t\t\t"secretKey": "",
\t\t\t"api": "S3v4",
\t\t\t"path": "auto"
\t\t}
\t}
}`;

describe('the mc config merge', () => {
  it('writes a new file holding only our alias', () => {
    const text = renderMcConfig(null, INPUT);
    expect(text.endsWith('}\n')).toBe(true);
    expect(JSON.parse(text)).toEqual({ version: '10', aliases: { s3: OURS } });
    expect(Object.keys(JSON.parse(text) as object)).toEqual(['version', 'aliases']);
  });

  it('keeps every other alias and top-level key, in their order and in the file indentation', () => {
    const before = MC_WRITTEN.replace('{\n\t"version": "10",', '{\n\t"version": "10",\n\t"extra": {"keep": [1, 2]},');
    const text = renderMcConfig(before, INPUT);
    const parsed = JSON.parse(text) as { aliases: Record<string, unknown> };
    const original = JSON.parse(before) as { aliases: Record<string, unknown> };
    expect(Object.keys(parsed)).toEqual(['version', 'extra', 'aliases']);
    expect(Object.keys(parsed.aliases)).toEqual(['gcs', 'local', 's3']);
    expect(parsed).toEqual({ ...original, aliases: { ...original.aliases, s3: OURS } });
    expect(text).toContain('\n\t\t"gcs": {\n\t\t\t"url"');
    // mc writes no final newline; neither do we then.
    expect(text.endsWith('}')).toBe(true);
  });

  it('replaces our alias where it stands, leaving its neighbours alone', () => {
    const before = JSON.stringify({ version: '10', aliases: { a: { url: 'x' }, s3: { url: 'old', accessKey: 'o', secretKey: 'o' }, z: {} } }, null, 4) + '\n';
    const text = renderMcConfig(before, INPUT);
    expect(text).toBe(JSON.stringify({ version: '10', aliases: { a: { url: 'x' }, s3: OURS, z: {} } }, null, 4) + '\n');
  });

  it('returns the file byte for byte when our alias is already there', () => {
    const once = renderMcConfig(MC_WRITTEN, INPUT);
    expect(renderMcConfig(once, INPUT)).toBe(once);
    const compact = JSON.stringify({ version: '10', aliases: { s3: OURS } });
    expect(renderMcConfig(compact, INPUT)).toBe(compact);
  });

  it('adds the version and the aliases when a file lacks them, keeping what it has', () => {
    expect(JSON.parse(renderMcConfig('{"other": true}\n', INPUT))).toEqual({ version: '10', other: true, aliases: { s3: OURS } });
  });

  it.each([
    ['broken JSON', '{"version": "10", "aliases": {'],
    ['a JSON array', '[1, 2]'],
    ['a JSON string', '"config"'],
    ['aliases that are not an object', '{"version":"10","aliases":[]}'],
  ])('refuses %s, naming the file, so it is left as it was', (_what, before) => {
    expect(() => renderMcConfig(before, INPUT)).toThrow(FileParseError);
    expect(() => renderMcConfig(before, INPUT)).toThrow(INPUT.path);
  });

  it('masks the secret key of every alias for display', () => {
    const masked = maskMcConfigSecrets(renderMcConfig(MC_WRITTEN, INPUT));
    expect(masked).not.toContain('Adm1n+secret');
    expect(masked).not.toContain('YOUR-SECRET-KEY-HERE');
    expect(masked).toContain('"secretKey": "********"');
    expect(masked).toContain('"accessKey": "minioadmin"');
  });
});

describe('the mc config merge keeps every byte that is not ours (issue 8)', () => {
  it("keeps other aliases' numbers as written (1.0, 1e3, integers past 2^53) and their duplicate keys", () => {
    const existing = '{\n  "version": "10",\n  "aliases": {\n    "other": {"url": "http://o", "retries": 1.0, "timeout": 1e3, "id": 9007199254740993, "api": "S3v2", "api": "S3v4"}\n  },\n  "n": 10.50\n}\n';
    const merged = renderMcConfig(existing, INPUT);
    expect(merged).toContain('{"url": "http://o", "retries": 1.0, "timeout": 1e3, "id": 9007199254740993, "api": "S3v2", "api": "S3v4"}');
    expect(merged).toContain('"n": 10.50');
    expect((JSON.parse(merged) as { aliases: Record<string, unknown> }).aliases['s3']).toEqual(OURS);
    // and merging again changes nothing
    expect(renderMcConfig(merged, INPUT)).toBe(merged);
  });

  it('replaces only the value of our alias where it stands', () => {
    const existing = '{"version":"10","aliases":{"a":{"x":1},"s3":{"url":"http://old"},"z":{"y":2.50}}}';
    const merged = renderMcConfig(existing, INPUT);
    expect(merged).toBe(`{"version":"10","aliases":{"a":{"x":1},"s3":${JSON.stringify(OURS)},"z":{"y":2.50}}}`);
  });

  it('adds the version first and the aliases when the file has none', () => {
    const merged = renderMcConfig('{\n  "other": 1.0\n}\n', INPUT);
    expect(merged).toBe(`{\n  "version": "10",\n  "other": 1.0,\n  "aliases": {\n    "s3": ${JSON.stringify(OURS, null, 2).replace(/\n/g, '\n    ')}\n  }\n}\n`);
  });

  it('refuses, leaving the file, when our alias is written twice (readers disagree on which counts)', () => {
    const existing = '{"version":"10","aliases":{"s3":{"url":"http://a"},"s3":{"url":"http://b"}}}';
    expect(() => renderMcConfig(existing, INPUT)).toThrow(/has the key "aliases.s3" twice \(line 1, column 52\)/);
  });

  it('a parse error names line, column and rule, and never quotes the file (it holds secrets)', () => {
    const existing = '{\n  "aliases": {\n    "prod": {"secretKey": Sup3rSecretRootKey}\n  }\n}\n';
    const error = (() => {
      try {
        renderMcConfig(existing, INPUT);
      } catch (e) {
        return e as FileParseError;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(FileParseError);
    expect(error?.message).toContain('line 3, column 27: expected a value');
    expect(error?.message).not.toContain('Sup3rSecretRootKey');
    expect(error?.message).not.toMatch(/Sup3r|Root/);
  });
});
