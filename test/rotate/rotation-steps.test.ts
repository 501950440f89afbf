/**
 * A rotation's steps tell of each retried request (issue 20: a retry shows in --plain and the UI),
 * as the step it belongs to, and print it on the progress stream.
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runWithRequestRules, sendWithRetries } from '../../source/requests/request-rules';
import { printRotationEvent } from '../../source/rotate/print-rotation';
import { rotationSteps, type RotationEvent } from '../../source/rotate/rotation-steps';

describe('a rotation step whose request is retried', () => {
  it('says so as an event of that step, printed with why, when and which attempt', async () => {
    const events: RotationEvent[] = [];
    const steps = rotationSteps((event) => events.push(event));
    let attempts = 0;
    await runWithRequestRules({ sleep: async () => undefined, random: () => 0.5 }, () =>
      steps.run('server', 'Give the builder a new secret on the server', async () => {
        await sendWithRetries(true, async () => (++attempts < 2 ? { retry: 'the server answered 503', last: 'busy' } : { done: 'ok' }));
        return { status: 'changed', detail: 'a new secret' };
      }),
    );
    expect(events.map((event) => event.type)).toEqual(['running', 'retrying', 'finished']);
    const out = new PassThrough();
    const printed: Buffer[] = [];
    out.on('data', (chunk: Buffer) => printed.push(chunk));
    printRotationEvent(events[1]!, out);
    expect(Buffer.concat(printed).toString('utf8')).toBe('  ↻ Give the builder a new secret on the server: the server answered 503; trying again in 0.8 s, attempt 2 of 4\n');
  });
});
