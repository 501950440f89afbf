import { afterAll, afterEach, describe, expect, test, vi } from 'vitest';
import { cleanup } from 'ink-testing-library';
import { colorsWanted } from '../../components/theme/theme';
import { KEYS, press, waitForText } from '../helpers/ink-keys';
import { ALL_BUT_LAST, renderApp, LAST_QUESTION } from './render-app';

// As on a colour terminal: chalk (which Ink colours with) reads this once, when it is loaded.
const previousForceColor = vi.hoisted(() => {
  const previous = process.env['FORCE_COLOR'];
  process.env['FORCE_COLOR'] = '3';
  return previous;
});

afterEach(() => cleanup());
afterAll(() => {
  // Workers are reused: leave the environment as it was for the next test file.
  if (previousForceColor === undefined) delete process.env['FORCE_COLOR'];
  else process.env['FORCE_COLOR'] = previousForceColor;
});

const ESCAPE = '\u001B[';

async function runToEnd(colors: boolean) {
  const app = renderApp({ initial: { ...ALL_BUT_LAST, builder: { accessKey: 'nixbuilder', profile: 'nixbuilder' } }, colors });
  await waitForText(app, 'Secret for');
  await press(app, KEYS.enter, LAST_QUESTION);
  await press(app, KEYS.enter, 'Server steps');
  await press(app, KEYS.enter, 'Your Nix binary cache is set up');
  return app.frames;
}

describe('NO_COLOR', () => {
  test('is honoured when present and not empty', () => {
    expect(colorsWanted({ NO_COLOR: '1' })).toBe(false);
    expect(colorsWanted({ NO_COLOR: '' })).toBe(true);
    expect(colorsWanted({})).toBe(true);
  });

  test('without it, the screens are coloured', async () => {
    const frames = await runToEnd(true);
    expect(frames.some((f) => f.includes(ESCAPE))).toBe(true);
  });

  test('with it, no frame holds a colour or style code, and the marks still tell the states apart', async () => {
    const frames = await runToEnd(false);
    const withCodes = frames.filter((f) => f.includes(ESCAPE));
    expect(withCodes).toEqual([]);
    expect(frames.some((f) => f.includes('✔ connection') && f.includes('▸ builder secret') && f.includes('· review'))).toBe(true);
  });
});
