import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileParseError, UsageError } from '../../source/errors';
import { maskAwsCredentialsSecrets, renderAwsCredentials } from '../../source/files/render-aws-credentials';
import { ensureDebianPackages } from '../helpers/debian-packages';

const execFileAsync = promisify(execFile);

const ID = 'nixbuilder';
const SECRET = 'Xa3+bc,de-fg.hj=km_np4qr7stuvWxy';
const PATH = '/home/u/.aws/credentials';
const OURS = `[nixbuilder]\naws_access_key_id = ${ID}\naws_secret_access_key = ${SECRET}\n`;

function merge(existing: string | null, profile = 'nixbuilder'): string {
  return renderAwsCredentials(existing, { profile, accessKeyId: ID, secretAccessKey: SECRET, path: PATH });
}

interface Case {
  readonly name: string;
  readonly before: string | null;
  readonly after: string;
  readonly profile?: string;
}

const cases: Case[] = [
  { name: 'a missing file gets only our section', before: null, after: OURS },
  { name: 'an empty file gets only our section', before: '', after: OURS },
  {
    name: 'a file with comments and another profile gets our section appended after a blank line',
    before: '# work account\n[default]\naws_access_key_id = AKIAOLD\naws_secret_access_key = old/secret\n',
    after: `# work account\n[default]\naws_access_key_id = AKIAOLD\naws_secret_access_key = old/secret\n\n${OURS}`,
  },
  {
    name: 'our profile in the middle changes only its two values',
    before:
      '[default]\naws_access_key_id=AKIA1\n\n; builder for the cache\n[nixbuilder]\naws_access_key_id = olduser\naws_secret_access_key = oldsecret\n\n\n[other]\nregion=eu-west-1\n',
    after: `[default]\naws_access_key_id=AKIA1\n\n; builder for the cache\n[nixbuilder]\naws_access_key_id = ${ID}\naws_secret_access_key = ${SECRET}\n\n\n[other]\nregion=eu-west-1\n`,
  },
  {
    name: 'a file without a final newline keeps it missing when our values change',
    before: '[a]\nx = 1\n\n[nixbuilder]\naws_access_key_id = old\naws_secret_access_key = old',
    after: `[a]\nx = 1\n\n[nixbuilder]\naws_access_key_id = ${ID}\naws_secret_access_key = ${SECRET}`,
  },
  {
    name: 'a file without a final newline gets our section appended, still without one',
    before: '[default]\nregion = us-east-1',
    after: `[default]\nregion = us-east-1\n\n[nixbuilder]\naws_access_key_id = ${ID}\naws_secret_access_key = ${SECRET}`,
  },
  {
    name: 'a CRLF file gets our section with CRLF line endings',
    before: '[default]\r\naws_access_key_id = A\r\naws_secret_access_key = B\r\n',
    after: `[default]\r\naws_access_key_id = A\r\naws_secret_access_key = B\r\n\r\n[nixbuilder]\r\naws_access_key_id = ${ID}\r\naws_secret_access_key = ${SECRET}\r\n`,
  },
  {
    name: 'a CRLF file with our section keeps its other keys and gets the missing secret after the last setting',
    before: '[nixbuilder]\r\nregion = us-east-1\r\naws_access_key_id = old\r\n\r\n[x]\r\nk=v\r\n',
    after: `[nixbuilder]\r\nregion = us-east-1\r\naws_access_key_id = ${ID}\r\naws_secret_access_key = ${SECRET}\r\n\r\n[x]\r\nk=v\r\n`,
  },
  {
    name: 'other keys inside our section stay where they are',
    before: '[nixbuilder]\nregion = eu-central-1\naws_secret_access_key = old\noutput = json\naws_access_key_id = old\ns3 =\n  addressing_style = path\n',
    after: `[nixbuilder]\nregion = eu-central-1\naws_secret_access_key = ${SECRET}\noutput = json\naws_access_key_id = ${ID}\ns3 =\n  addressing_style = path\n`,
  },
  {
    name: 'sections that only look like ours are not ours: [profile nixbuilder] and [ nixbuilder ]',
    before: '[profile nixbuilder]\naws_access_key_id = p\n[ nixbuilder ]\naws_access_key_id = q\n',
    after: `[profile nixbuilder]\naws_access_key_id = p\n[ nixbuilder ]\naws_access_key_id = q\n\n${OURS}`,
  },
  {
    name: 'the spacing around = and : is kept on every line, ours included',
    before: '[default]\nregion   =   x\n[nixbuilder]\naws_access_key_id=old\nAWS_SECRET_ACCESS_KEY :  old  \n',
    after: `[default]\nregion   =   x\n[nixbuilder]\naws_access_key_id=${ID}\nAWS_SECRET_ACCESS_KEY :  ${SECRET}  \n`,
  },
  {
    name: 'our section with no settings gets them right after its header, before the next comment',
    before: '[nixbuilder]\n# the next one is for work\n\n[work]\nx=1\n',
    after: `[nixbuilder]\naws_access_key_id = ${ID}\naws_secret_access_key = ${SECRET}\n# the next one is for work\n\n[work]\nx=1\n`,
  },
  {
    name: 'a value continued on indented lines is replaced as a whole',
    before: '[nixbuilder]\naws_access_key_id = old\naws_secret_access_key = old\n  continued\n\tmore\nregion = x\n',
    after: `[nixbuilder]\naws_access_key_id = ${ID}\naws_secret_access_key = ${SECRET}\nregion = x\n`,
  },
  {
    name: 'an empty value gets its value after the same spacing style',
    before: '[nixbuilder]\naws_access_key_id =\naws_secret_access_key=\n',
    after: `[nixbuilder]\naws_access_key_id = ${ID}\naws_secret_access_key=${SECRET}\n`,
  },
  {
    name: 'a profile named with spaces and brackets is matched exactly',
    profile: 'my builder',
    before: '[my builder]\naws_access_key_id = old\n',
    after: `[my builder]\naws_access_key_id = ${ID}\naws_secret_access_key = ${SECRET}\n`,
  },
  {
    name: 'a CR-only file (old Mac line endings) keeps every profile, and our section gets CR line endings',
    before: '[default]\raws_access_key_id = A\raws_secret_access_key = B\r',
    after: `[default]\raws_access_key_id = A\raws_secret_access_key = B\r\r[nixbuilder]\raws_access_key_id = ${ID}\raws_secret_access_key = ${SECRET}\r`,
  },
  {
    name: 'a CR-only file with our section changes only our two values',
    before: '[nixbuilder]\raws_access_key_id = old\raws_secret_access_key = old\r[work]\rx=1\r',
    after: `[nixbuilder]\raws_access_key_id = ${ID}\raws_secret_access_key = ${SECRET}\r[work]\rx=1\r`,
  },
  {
    name: 'a file mixing \\r, \\n and \\r\\n is read line by line as botocore reads it',
    before: '[a]\rx = 1\n[nixbuilder]\r\naws_access_key_id = old\raws_secret_access_key = old\n',
    after: `[a]\rx = 1\n[nixbuilder]\r\naws_access_key_id = ${ID}\raws_secret_access_key = ${SECRET}\n`,
  },
  {
    // modelled on botocore's tests/unit/cfg/aws_config_nested (boto/botocore): nested sections
    // (`s3 =` then indented `key = value` lines) are kept as they are
    name: 'nested sections botocore reads (s3 =, then key = value lines) stay as they are',
    before: '[nixbuilder]\naws_access_key_id = old\naws_secret_access_key = old\ns3 =\n    signature_version = s3v4\ncloudwatch =\n    signature_version = v4\nregion=us-west-2\n',
    after: `[nixbuilder]\naws_access_key_id = ${ID}\naws_secret_access_key = ${SECRET}\ns3 =\n    signature_version = s3v4\ncloudwatch =\n    signature_version = v4\nregion=us-west-2\n`,
  },
  {
    // modelled on botocore's tests/unit/cfg/aws_config_nested_empty: an empty nested section
    name: 'an empty value with nothing nested under it is an ordinary empty setting',
    before: '[default]\naws_access_key_id = foo\ns3 =\nregion=us-west-2\n',
    after: `[default]\naws_access_key_id = foo\ns3 =\nregion=us-west-2\n\n${OURS}`,
  },
  {
    name: 'a value continued after a blank line is replaced as a whole (the blank line does not end it)',
    before: '[nixbuilder]\naws_access_key_id = old\naws_secret_access_key = old\n\n  continued\n',
    after: `[nixbuilder]\naws_access_key_id = ${ID}\naws_secret_access_key = ${SECRET}\n\n`,
  },
  {
    name: 'indented comments and blank lines with spaces stay',
    before: '  # indented comment\n[default]\n   \nx = 1\n\t; tab comment\n',
    after: `  # indented comment\n[default]\n   \nx = 1\n\t; tab comment\n\n${OURS}`,
  },
];

/** Files botocore refuses, why, and the line named. */
const refusedFiles: readonly (readonly [string, string, number])[] = [
  ['a section appears twice', '[a]\nx=1\n[a]\ny=2\n', 3],
  ['a setting comes before any section', 'aws_access_key_id = AKIA\n[a]\n', 1],
  ['a line is neither a section, a setting nor a comment', '[nixbuilder]\nhunter2secret\n', 2],
  ['a setting appears twice in a section', '[nixbuilder]\naws_access_key_id = a\nAWS_ACCESS_KEY_ID = b\n', 3],
  ['a nested section holds a line that is not key = value', '[nixbuilder]\naws_access_key_id = a\ns3 =\n    signature_version = s3v4\n    hunter2secret\n', 5],
  ['a CR-only file whose nested section holds a line without =', '[a]\rs3 =\r  hunter2secret\r', 3],
  ['the file starts with a byte-order mark (Python keeps it, so no section starts the file)', '\ufeff[nixbuilder]\naws_access_key_id = a\n', 1],
  ['a setting appears twice in a CR-only file', '[nixbuilder]\raws_access_key_id = a\raws_access_key_id = b\r', 3],
];

describe('the AWS credentials merge', () => {
  for (const c of cases) {
    it(c.name, () => {
      expect(merge(c.before, c.profile)).toBe(c.after);
    });
  }

  it('returns the file byte for byte when our values are already there', () => {
    for (const c of cases) {
      const merged = merge(c.before, c.profile);
      expect(merge(merged, c.profile)).toBe(merged);
    }
  });

  it.each(refusedFiles)('refuses a file AWS tools reject too, naming the line: %s', (_why, before, line) => {
    let error: unknown;
    try {
      merge(before);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(FileParseError);
    expect((error as FileParseError).path).toBe(PATH);
    expect((error as Error).message).toContain(`line ${line}`);
    expect((error as Error).message).not.toContain('hunter2secret');
  });

  it('refuses a profile or key that would break out of its line, without echoing the secret', () => {
    const write = (profile: string, secret: string) => () =>
      renderAwsCredentials('', { profile, accessKeyId: ID, secretAccessKey: secret, path: PATH });
    expect(write('nix\n[default]', SECRET)).toThrow(UsageError);
    expect(write('', SECRET)).toThrow(UsageError);
    expect(write('nixbuilder', 'line\nbreak-secret')).toThrow(/builder\.secretKey/);
    expect(write('nixbuilder', 'line\nbreak-secret')).not.toThrow(/break-secret/);
    expect(write('nixbuilder', ' padded-secret')).toThrow(UsageError);
  });

  it('masks every secret access key and session token for display, and nothing else', () => {
    const text = `[a]\naws_access_key_id = AKIA\naws_secret_access_key = s3cr3t\r\naws_session_token=tok\n${OURS}`;
    expect(maskAwsCredentialsSecrets(text)).toBe(
      `[a]\naws_access_key_id = AKIA\naws_secret_access_key = ********\r\naws_session_token=********\n[nixbuilder]\naws_access_key_id = ${ID}\naws_secret_access_key = ********\n`,
    );
  });
});

const awsMissing = ensureDebianPackages(['aws'], ['awscli']);

describe.skipIf(awsMissing !== undefined)(`the merged file read by the real aws CLI${awsMissing ? ` (skipped: ${awsMissing})` : ''}`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'ncw-aws-'));

  /**
   * `aws configure get`, run without blocking: the aws CLI takes seconds to start on a loaded
   * machine, and a file of synchronous runs once held its vitest worker past the 60 s its RPC
   * waits ("Timeout calling onTaskUpdate", an unhandled error that fails the run).
   */
  async function awsGet(file: string, key: string, profile: string): Promise<string> {
    const env: NodeJS.ProcessEnv = { ...process.env, AWS_SHARED_CREDENTIALS_FILE: file, AWS_CONFIG_FILE: join(dir, 'no-config') };
    for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_DEFAULT_PROFILE']) delete env[name];
    const { stdout } = await execFileAsync('aws', ['configure', 'get', key, '--profile', profile], { env, encoding: 'utf8' });
    return stdout.trim();
  }

  it.each(cases.filter((c) => c.profile === undefined).map((c, i) => [c.name, c, i] as const))(
    'gives our profile the builder keys: %s',
    async (_name, c, i) => {
      const file = join(dir, `credentials-${i}`);
      writeFileSync(file, merge(c.before));
      expect(await awsGet(file, 'aws_access_key_id', 'nixbuilder')).toBe(ID);
      expect(await awsGet(file, 'aws_secret_access_key', 'nixbuilder')).toBe(SECRET);
    },
  );

  it.each(refusedFiles)('refuses what botocore refuses too: %s', async (_why, before) => {
    const file = join(dir, `refused-${refusedFiles.findIndex(([, text]) => text === before)}`);
    writeFileSync(file, before);
    expect(() => merge(before)).toThrow(FileParseError);
    await expect(awsGet(file, 'aws_access_key_id', 'nixbuilder')).rejects.toThrow(/Unable to parse config file/);
  });

  it('still gives the other profiles their own keys', async () => {
    const file = join(dir, 'credentials-others');
    writeFileSync(file, merge('[default]\r\naws_access_key_id = AKIADEFAULT\r\n[profile nixbuilder]\r\naws_access_key_id=AKIAOTHER\r\n'));
    expect(await awsGet(file, 'aws_access_key_id', 'default')).toBe('AKIADEFAULT');
    expect(await awsGet(file, 'aws_access_key_id', 'profile nixbuilder')).toBe('AKIAOTHER');
    expect(await awsGet(file, 'aws_secret_access_key', 'nixbuilder')).toBe(SECRET);
  });
});
