/** Text from servers and files reaches the terminal with its control characters shown, never acted on. */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { StepError } from '../../source/errors';
import { printCheckReports } from '../../source/output/print-report';
import { reportFailure } from '../../source/output/report-failure';
import { oneLineText, terminalText } from '../../source/text/terminal-text';
import { main } from '../../source/main';

// eslint-disable-next-line no-control-regex
const ACTED_ON = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202e]/;
const HOSTILE = 'Access Denied\r✔ done   \u001b[32mgreen\u001b[0m \u001b]0;pwned\u0007 \u009b2J \u202eevil';

function captured() {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

describe('terminal text', () => {
  it('shows CR, ESC sequences, C1 controls and bidi overrides instead of letting them act', () => {
    const shown = terminalText(HOSTILE);
    expect(shown).not.toMatch(ACTED_ON);
    expect(shown).toBe('Access Denied\\r✔ done   \\e[32mgreen\\e[0m \\e]0;pwned\\x07 \\x9b2J \\u202eevil');
  });

  it('keeps line breaks (a CRLF as one) and tabs; a comment line keeps none', () => {
    expect(terminalText('one\r\ntwo\n\tthree')).toBe('one\ntwo\n\tthree');
    expect(oneLineText('one\r\ntwo\n\tthree')).toBe('one\\r\\ntwo\\n\\tthree');
  });

  it('a failed step quoting a hostile server prints no fake "✔ done" line on stderr', () => {
    const err = captured();
    const out = captured();
    const code = reportFailure(new StepError(`the server said: ${HOSTILE}`, 'bucket', `ask \u001b[8mhidden`), {
      io: { stdin: new PassThrough(), stdout: out.stream, stderr: err.stream, interactive: false },
      json: false,
      command: 'setup',
    });
    expect(code).toBe(1);
    expect(err.text()).not.toMatch(ACTED_ON);
    expect(err.text()).toContain('the server said: Access Denied\\r✔ done');
    expect(err.text().split('\n').some((line) => line.startsWith('✔'))).toBe(false);
  });

  it('--json keeps the server text exact, escaped by JSON', () => {
    const out = captured();
    reportFailure(new StepError(HOSTILE, 'bucket'), {
      io: { stdin: new PassThrough(), stdout: out.stream, stderr: new PassThrough(), interactive: false },
      json: true,
      command: 'setup',
    });
    expect((JSON.parse(out.text()) as { error: { message: string } }).error.message).toBe(HOSTILE);
  });

  it("a step's detail from the server is shown, not acted on, in the plain progress lines", () => {
    const out = captured();
    const step = { id: 'bucket', title: 'Create the bucket' } as never;
    printCheckReports.onEvent({ type: 'finished', step, report: { id: 'bucket', status: 'conflict', detail: HOSTILE } } as never, out.stream);
    expect(out.text()).not.toMatch(ACTED_ON);
    expect(out.text()).toContain('Create the bucket: Access Denied\\r✔ done');
  });

  it('an argument the command line refuses is quoted back escaped (an unknown command, an unknown option)', async () => {
    for (const args of [['stup\u001b]0;pwned\u0007'], ['setup', '--x\r✔ done']]) {
      const err = captured();
      const effects = { env: {}, cwd: '/work', home: '/home/u', now: () => new Date(0), randomBytes: (n: number) => new Uint8Array(n) };
      const code = await main(args, { stdin: new PassThrough(), stdout: new PassThrough(), stderr: err.stream, interactive: false }, effects);
      expect(code).toBe(2);
      expect(err.text()).not.toMatch(ACTED_ON);
      expect(err.text()).toMatch(/stup\\e\]0;pwned\\x07|--x\\r✔ done/);
    }
  });
});
