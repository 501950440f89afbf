import { afterEach, describe, expect, test } from 'vitest';
import { cleanup } from 'ink-testing-library';
import { KEYS, press, waitForFrame, waitForText } from '../helpers/ink-keys';
import { ALL_BUT_LAST, frameSizes, renderApp } from './render-app';

afterEach(() => cleanup());

const REMEMBERED = { ...ALL_BUT_LAST, admin: { accessKey: 'minioadmin' }, bucket: 'my-cache', expireDays: 90, anonymous: 'none' as const, builder: { accessKey: 'nixbuilder', profile: 'nixbuilder' } };

describe('the opening menu of a remembered setup', () => {
  test('offers update, the three rotations of a private cache, preview and verify; choosing one leaves the wizard with it', async () => {
    const app = renderApp({ known: { remembered: REMEMBERED, detected: {} }, menuFor: 'http://minio.lan:9000/my-cache' });
    const menu = await waitForText(app, 'What would you like to do with it?');
    expect(menu).toContain('Your setup: http://minio.lan:9000/my-cache');
    for (const entry of ['❯ Update the setup', 'Rotate the builder credentials', 'Rotate the reader credentials', 'Rotate the signing key', 'Preview the files', 'Verify the cache']) expect(menu).toContain(entry);
    await press(app, KEYS.down, '❯ Rotate the builder credentials');
    await press(app, KEYS.down, '❯ Rotate the reader credentials');
    await press(app, KEYS.down, '❯ Rotate the signing key');
    await press(app, KEYS.down, '❯ Preview the files');
    app.stdin.write(KEYS.enter);
    await waitForFrame(app, () => app.outcomes.length > 0);
    expect(app.outcomes).toEqual([{ outcome: 'chosen', item: 'preview' }]);
    expect(app.session.calls.applyPlan).toBe(0);
  });

  test("a public cache's menu has no reader to rotate, and the reader entry of a private one leaves with it", async () => {
    const open = renderApp({ known: { remembered: { ...REMEMBERED, anonymous: 'get' }, detected: {} }, menuFor: 'x/y' });
    const menu = await waitForText(open, 'What would you like to do with it?');
    expect(menu).toContain('Rotate the builder credentials');
    expect(menu).not.toContain('Rotate the reader credentials');
    // six entries: going up from the first wraps to the last
    await press(open, KEYS.up, '❯ Prune the cache');
    cleanup();
    const app = renderApp({ known: { remembered: REMEMBERED, detected: {} }, menuFor: 'x/y' });
    await waitForText(app, 'Update the setup');
    await press(app, KEYS.down, '❯ Rotate the builder credentials');
    await press(app, KEYS.down, '❯ Rotate the reader credentials');
    app.stdin.write(KEYS.enter);
    await waitForFrame(app, () => app.outcomes.length > 0);
    expect(app.outcomes).toEqual([{ outcome: 'chosen', item: 'rotate-reader' }]);
  });

  test('update asks every question again with the remembered answers as defaults (the secret is asked, never remembered)', async () => {
    const app = renderApp({ known: { remembered: REMEMBERED, detected: {} }, menuFor: 'http://minio.lan:9000/my-cache' });
    await waitForText(app, 'Update the setup');
    const first = await press(app, KEYS.enter, 'Endpoint URL');
    expect(first).toContain('› http://minio.lan:9000');
    await press(app, KEYS.enter, 'Region');
    const admin = await press(app, KEYS.enter, 'Admin access key');
    expect(admin).toContain('› minioadmin');
    const secret = await press(app, KEYS.enter, 'Admin secret key');
    expect(secret).toContain('✔ Admin access key: minioadmin');
    expect(secret).not.toMatch(/›\s*\*/);
    expect(app.session.calls.detectExisting).toHaveLength(0);
  });

  test('Esc on the menu leaves with nothing done', async () => {
    const app = renderApp({ known: { remembered: REMEMBERED, detected: {} }, menuFor: 'x/y' });
    await waitForText(app, 'Update the setup');
    await press(app, KEYS.escape, 'Cancelled');
    await waitForFrame(app, () => app.outcomes.length > 0);
    expect(app.outcomes).toEqual([{ outcome: 'cancelled' }]);
  });
});

describe('a window smaller than 80×24', () => {
  test('says to make the window larger instead of drawing rows over each other, and keys wait but for Ctrl-C', async () => {
    const app = renderApp({ columns: 60, rows: 20 });
    const frame = await waitForText(app, 'Make the window larger');
    expect(frame).toContain('80×24');
    expect(frame).toContain('60×20');
    expect(frame).not.toContain('Endpoint URL');
    // A window that cannot grow still has a way through
    expect(frame).toContain('--plain');
    const { width } = frameSizes([frame]);
    expect(width).toBeLessThanOrEqual(60);
    // Keys wait meanwhile; Ctrl-C still cancels
    app.stdin.write('h');
    await press(app, KEYS.ctrlC, 'Cancelled');
    await waitForFrame(app, () => app.outcomes.length > 0);
    expect(app.outcomes).toEqual([{ outcome: 'cancelled' }]);
  });
});
