/** The builder module's hook and uploader scripts, exactly as the module hands them to NixOS, for tests. */
import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { QUEUE_SCRIPT, UPLOAD_SCRIPT } from '../../source/files/render-builder-module';

export function writeBuilderScripts(dir: string): { hook: string; uploader: string } {
  const hook = join(dir, 'queue-built-paths');
  const uploader = join(dir, 'upload-queued-paths');
  writeFileSync(hook, `#!/usr/bin/env bash\n${QUEUE_SCRIPT}`);
  writeFileSync(uploader, `#!/usr/bin/env bash\n${UPLOAD_SCRIPT}`);
  chmodSync(hook, 0o755);
  chmodSync(uploader, 0o755);
  return { hook, uploader };
}

/** A spool as the module's tmpfiles rules make it. */
export function makeSpool(dir: string): string {
  const spool = join(dir, 'spool');
  mkdirSync(join(spool, 'tmp'), { recursive: true });
  mkdirSync(join(spool, 'new'), { recursive: true });
  return spool;
}

/** The queued items' contents. */
export function queued(spool: string): string[] {
  return readdirSync(join(spool, 'new')).map((f) => readFileSync(join(spool, 'new', f), 'utf8'));
}
