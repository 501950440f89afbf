/** What this machine's Nix can do is asked of the real nix, not guessed from its version. */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { probeNixS3Support } from '../../source/nix/local-nix';
import { readSystemNixConf } from '../../source/nix/system-nix-conf';
import { nixUnavailableReason } from '../helpers/nix';

const scratch = mkdtempSync(join(tmpdir(), 'ncw-local-nix-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const unavailable = nixUnavailableReason();

describe('whether the local Nix can open s3:// stores', () => {
  it.skipIf(unavailable !== undefined)(`Debian's Nix 2.8, built without S3, is found out by opening an s3:// store${unavailable ? ` (skipped: ${unavailable})` : ''}`, async () => {
    const support = await probeNixS3Support({ PATH: process.env['PATH'], HOME: scratch, XDG_CACHE_HOME: scratch });
    expect(support).toEqual({ kind: 'unsupported', version: expect.stringMatching(/^2\.8/) as unknown, message: "error: don't know how to open Nix store 's3://…'" });
  });

  it('a Nix that knows the scheme (a stand-in for a Nix built with S3: Debian has none) is taken as supporting it, even when it cannot connect', async () => {
    const bin = join(scratch, 'bin-with-s3');
    mkdirSync(bin);
    writeFileSync(
      join(bin, 'nix'),
      '#!/bin/sh\ncase "$*" in *--version*) echo "nix (Nix) 2.24.9";; *) echo "error: AWS error fetching \'nix-cache-info\': Unable to connect to endpoint" >&2; exit 1;; esac\n',
    );
    chmodSync(join(bin, 'nix'), 0o755);
    expect(await probeNixS3Support({ PATH: bin })).toEqual({ kind: 'supported', version: '2.24.9' });
  });

  it('says when there is no Nix at all', async () => {
    const empty = join(scratch, 'empty-bin');
    mkdirSync(empty);
    expect(await probeNixS3Support({ PATH: empty })).toEqual({ kind: 'no-nix' });
  });
});

describe("the machine's nix.conf as the daemon reads it", () => {
  it('inlines the files it includes (relative to its folder, !include of a missing file ignored), stopping at a loop', async () => {
    const conf = join(scratch, 'conf');
    mkdirSync(conf);
    writeFileSync(join(conf, 'nix.conf'), 'substituters =\n!include nix-cache.conf\n!include /nonexistent/x.conf\ninclude loop.conf\n');
    writeFileSync(join(conf, 'nix-cache.conf'), 'extra-substituters = https://s3.example.org/nix-cache\n');
    writeFileSync(join(conf, 'loop.conf'), 'include loop.conf\n');
    const text = await readSystemNixConf({ NIX_CONF_DIR: conf });
    expect(text).toContain('!include nix-cache.conf\nextra-substituters = https://s3.example.org/nix-cache\n');
    expect(await readSystemNixConf({ NIX_CONF_DIR: join(scratch, 'none') })).toBeNull();
  });
});
