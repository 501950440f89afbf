import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, test } from 'vitest';
import { cleanup } from 'ink-testing-library';
import { KEYS, press, waitForFrame, waitForText } from '../helpers/ink-keys';
import { makeFakeSetupSession } from '../helpers/fake-setup-session';
import { ALL_BUT_LAST, frameSizes, renderApp, LAST_QUESTION } from './render-app';

afterEach(() => cleanup());

async function openReview(options: Parameters<typeof renderApp>[0] = {}) {
  const app = renderApp({ initial: ALL_BUT_LAST, ...options });
  await waitForText(app, LAST_QUESTION);
  await press(app, KEYS.enter, 'Server steps');
  return app;
}

/** Scrolls down a page at a time until `text` shows. */
async function scrollTo(app: Awaited<ReturnType<typeof openReview>>, text: string) {
  for (let i = 0; i < 10 && !(app.lastFrame() ?? '').includes(text); i++) await press(app, KEYS.pageDown);
  return waitForText(app, text);
}

describe('the review screen', () => {
  test('checks the plan with a spinner, then lists every server step with its state and its command', async () => {
    // The check is held until the test has seen it running: no frame can pass unseen
    const session = makeFakeSetupSession({ holdCheckAt: 'bucket', checks: { connect: { status: 'done', detail: 'admin login works' }, bucket: { status: 'done', detail: 'exists and is ours' } } });
    const app = renderApp({ initial: ALL_BUT_LAST, session });
    await waitForText(app, LAST_QUESTION);
    await press(app, KEYS.enter, 'Checking: ');
    session.release();
    const frame = await waitForText(app, '✔ Connect as admin — done');
    expect(frame).toContain('▸ review');
    expect(frame).toContain('✔ Connect as admin — done');
    expect(frame).toContain('✔ Create the bucket — done');
    expect(frame).toContain('  exists and is ours');
    expect(frame).toContain('$ mc mb s3/nix-cache');
    expect(frame).toContain('In short: server steps 2 done, 6 to do; files 1 update, 1');
    expect(frame).toMatch(/review {2}\(rows 1–\d+ of \d+, PgUp\/PgDn\)/);
    await scrollTo(app, '+ Create the builder user — to do');
    // Read-only so far
    expect(session.calls.checkPlan).toBe(1);
    expect(session.calls.applyPlan).toBe(0);
  });

  test('a step that replaces settings someone else made shows as a replacement, with its reason', async () => {
    const detail = 'replace: a statement not made by this wizard grants everyone s3:ListBucket; anonymous "get" lets everyone GET objects';
    const app = await openReview({ sessionOptions: { checks: { anonymous: { status: 'todo', detail } } } });
    expect(app.lastFrame() ?? '').toMatch(/server steps 7 to do, 1 replace/);
    const frame = await scrollTo(app, '— replace');
    expect(frame).toContain('± Allow anonymous downloads — replace');
    expect(frame).toContain('replace: a statement not made by this wizard grants');
  });

  test('a change that takes something away is shown as a removal, not as one more step to do', async () => {
    const app = await openReview({ sessionOptions: { checks: { expiry: { status: 'todo', detail: 'the lifecycle rules will be set: no expiry', removes: 'the expiry rules set before (188 rules, deleting uploads after 90 days)' } } } });
    expect(app.lastFrame()).toContain('In short: server steps 7 to do, 1 removal;');
    const frame = await scrollTo(app, '− Set the expiry rules — removal');
    expect(frame).toContain('removes the expiry rules set before (188 rules');
  });

  test('a file that stops trusting a signing key is shown as a removal, naming the key', async () => {
    const module = { title: 'NixOS module', path: '/work/nix-cache.nix', action: 'would-update' as const, before: 'old', beforeRevealed: 'old', after: 'new', afterRevealed: 'new', secret: false };
    const removes = 'trust in the signing key cache-1: a machine rebuilt with it refuses every path signed only by that key';
    const app = await openReview({ sessionOptions: { previews: [{ ...module, removes }] } });
    expect(app.lastFrame()).toMatch(/files 1 removal\./);
    const frame = await scrollTo(app, 'removal   /work/nix-cache.nix');
    expect(frame).toContain('removes trust in the signing key cache-1');
  });

  test('a conflict is said before confirming', async () => {
    const app = await openReview({ sessionOptions: { checks: { user: { status: 'conflict', detail: 'nixbuilder exists with another secret; use rotate credentials' } } } });
    const frame = app.lastFrame() ?? '';
    expect(frame).toContain('✘ 1 step(s) cannot be done as things are');
    await scrollTo(app, '✘ Create the builder user — conflict');
    await scrollTo(app, 'Esc back to the builder secret and press k');
  });

  test('lists every file with its action and a diff, secrets masked until v', async () => {
    const app = await openReview();
    await scrollTo(app, 'update    /home/user/.aws/credentials');
    const frame = await scrollTo(app, '+ [nixbuilder]');
    expect(frame).toContain('    aws_access_key_id = AKIA');
    const masked = await scrollTo(app, '+ aws_secret_access_key = ********');
    expect(masked).not.toContain('Revealed+Secret=42');
    const revealed = await press(app, 'v', 'Revealed+Secret=42');
    expect(revealed).toContain('+ aws_secret_access_key = Revealed+Secret=42');
    expect(revealed).toContain('v mask');
    // Revealing shows both sides, so an unchanged secret of another profile is not a change
    expect(revealed).toContain('    aws_secret_access_key = Default-Secret-7');
    expect(revealed).not.toMatch(/[+-] aws_secret_access_key = (Default-Secret-7|\*+)/);
    const created = await scrollTo(app, 'create    /work/nix-cache.nix');
    expect(created).toBeDefined();
    const end = await scrollTo(app, 'unchanged /work/nix-cache-info');
    expect(end).not.toContain('StoreDir');
  });

  test("an mc config indented with tabs (as mc writes it) shows in the diff with every value whole", async () => {
    // Given mc's own config (tabs, as the real mc wrote it) and the same with our alias added
    const stock = readFileSync('test/fixtures/mc-stock-config.json', 'utf8');
    const after = stock.replace('\t"aliases": {\n', '\t"aliases": {\n\t\t"myminio": {\n\t\t\t"url": "http://minio.lan:9000",\n\t\t\t"accessKey": "minioadmin",\n\t\t\t"secretKey": "********"\n\t\t},\n');
    const preview = { title: 'mc config', path: '/home/user/.mc/config.json', action: 'would-update' as const, before: stock, beforeRevealed: stock, after, afterRevealed: after, secret: true };
    const app = await openReview({ sessionOptions: { previews: [preview] } });
    const frame = await scrollTo(app, '"url": "http://minio.lan:9000",');
    // Then no tab reaches the terminal (it would jump past the cut) and the values are not cut
    for (const shown of app.frames) expect(shown).not.toContain('\t');
    expect(frame).toContain('  +             "url": "http://minio.lan:9000",');
    await scrollTo(app, '  +             "accessKey": "minioadmin",');
    await scrollTo(app, '  +             "secretKey": "********"');
    expect(frameSizes(app.frames).width).toBeLessThanOrEqual(80);
  });

  test('g lists the steps to go back to, and Enter opens the chosen one with every answer kept (no Esc per question)', async () => {
    const session = makeFakeSetupSession();
    const app = await openReview({ session });
    expect(app.lastFrame()).toContain('g step');
    const list = await press(app, 'g', 'Go back to which step?');
    expect(list).toContain('❯ connection');
    for (const step of ['backend', 'bucket', 'builder user', 'files']) expect(list).toContain(`  ${step}`);
    // Esc closes the list, g opens it again; ↓ twice highlights the bucket
    await press(app, KEYS.escape, 'Server steps');
    await press(app, 'g', 'Go back to which step?');
    await press(app, KEYS.down, '❯ backend');
    await press(app, KEYS.down, '❯ bucket');
    const bucket = await press(app, KEYS.enter, 'Bucket name');
    expect(bucket).toContain('› nix-cache');
    expect(bucket).toContain('▸ bucket');
    expect(frameSizes(app.frames).width).toBeLessThanOrEqual(80);
    expect(frameSizes(app.frames).height).toBeLessThanOrEqual(23);
  });

  test('scrolls line by line and back', async () => {
    const app = await openReview();
    const first = app.lastFrame() ?? '';
    const down = await press(app, KEYS.down, 'rows 2–');
    expect(down).toMatch(/rows 2–/);
    const up = await press(app, KEYS.up, 'rows 1–');
    expect(up).toBe(first);
  });

  test('every frame fits 80 columns and 23 rows', async () => {
    const app = await openReview();
    await scrollTo(app, 'unchanged /work/nix-cache-info');
    const { width, height } = frameSizes(app.frames);
    expect(width).toBeLessThanOrEqual(80);
    expect(height).toBeLessThanOrEqual(23);
  });

  test('Esc goes back to the last question with every answer kept', async () => {
    const app = await openReview();
    const back = await press(app, KEYS.escape, LAST_QUESTION);
    expect(back).toContain('✔ nix.conf snippet (Nix without NixOS): ./nix-cache.conf');
    expect(back).toContain('✔ Write the admin alias into the mc config?: Yes');
    await press(app, KEYS.enter, 'Server steps');
  });

  test('Ctrl-C on the review cancels: nothing applied, nothing written', async () => {
    const session = makeFakeSetupSession();
    const app = await openReview({ session });
    const frame = await press(app, KEYS.ctrlC, 'Cancelled');
    expect(frame).toContain('nothing was written');
    await waitForFrame(app, () => app.outcomes.length > 0);
    expect(app.outcomes).toEqual([{ outcome: 'cancelled' }]);
    expect(session.calls.applyPlan).toBe(0);
  });

  test('a plan that cannot be prepared is explained, with r to try again', async () => {
    const session = makeFakeSetupSession();
    let failures = 1;
    const prepare = session.prepareSetup.bind(session);
    session.prepareSetup = async (answers, warnings) => {
      if (failures-- > 0) throw new Error('~/.config/nix/secret.key is not a Nix secret key');
      return prepare(answers, warnings);
    };
    const app = renderApp({ initial: ALL_BUT_LAST, session });
    await waitForText(app, LAST_QUESTION);
    const failed = await press(app, KEYS.enter, 'Could not prepare the plan');
    expect(failed).toContain('is not a Nix secret key');
    await press(app, 'r', 'Server steps');
  });
});
