/** A rotation's next steps hold whatever the credentials file's path holds: comments stay comments, commands quote it. */
import { describe, expect, it } from 'vitest';
import { credentialRotationNextSteps } from '../../source/rotate/rotate-credentials';

describe("a credentials rotation's next steps", () => {
  it('keep a path with a newline inside its comment line and quote it in the example command', () => {
    const path = '/home/u/my creds\nsudo rm -rf / #.ini';
    for (const role of ['builder', 'reader'] as const) {
      const lines = credentialRotationNextSteps(role, 'nixbuilder', path);
      for (const line of lines) expect(line.startsWith('#'), JSON.stringify(line)).toBe(true);
      expect(lines.join('\n').split('\n')).toHaveLength(lines.length);
    }
    expect(credentialRotationNextSteps('reader', 'nixreader', path)[1]).toContain("e.g. sudo install -m 600 -o root $'/home/u/my creds\\nsudo rm -rf / #.ini' /etc/nix/nix-cache-reader.credentials.");
  });
});
