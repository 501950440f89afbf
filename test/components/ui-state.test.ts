import { describe, expect, test } from 'vitest';
import { createUiState, uiReducer, type UiAction, type UiState } from '../../components/app/ui-state';
import { screenLayout } from '../../components/app/screen-layout';
import { currentQuestion } from '../../source/wizard/wizard-state';
import type { SetupPlan } from '../../source/session/setup-session';

const start = (): UiState => createUiState({ initial: {}, context: { aliases: {}, env: {} }, generatedSecret: 'Generated+Secret=7xYz' });
const run = (state: UiState, ...actions: UiAction[]): UiState => actions.reduce(uiReducer, state);
const at = (state: UiState) => currentQuestion(state.wizard)?.id;

describe('keys', () => {
  const layout = screenLayout(80, 24);
  const noKey = {
    upArrow: false, downArrow: false, leftArrow: false, rightArrow: false, pageDown: false, pageUp: false, home: false, end: false,
    return: false, escape: false, ctrl: false, shift: false, tab: false, backspace: false, delete: false, meta: false,
    super: false, hyper: false, capsLock: false, numLock: false,
  };
  const key = (input: string, extra: Partial<typeof noKey> = {}, at = layout): UiAction => ({ type: 'key', input, key: { ...noKey, ...extra } as never, layout: at });

  test('typed text goes to the field and Enter answers it', () => {
    const state = run(start(), key('http://minio.lan:9000'), key('\r', { return: true }));
    expect(state.wizard.input.endpoint).toBe('http://minio.lan:9000');
    expect(at(state)).toBe('region');
  });

  test('text and Enters arriving together (fast typing, paste, tmux) are taken one after the other', () => {
    const state = run(start(), key('http://minio.lan:9000\r\radmin\r'));
    expect(state.wizard.input).toEqual({ endpoint: 'http://minio.lan:9000', region: 'us-east-1', admin: { accessKey: 'admin' } });
    expect(at(state)).toBe('admin-secret-key');
  });

  test('Enter on a broken answer does nothing', () => {
    const state = run(start(), key('not a url'), key('\r', { return: true }));
    expect(at(state)).toBe('endpoint');
  });

  test('in a window smaller than 80×24 keys wait, but Ctrl-C still cancels', () => {
    const small = screenLayout(60, 15);
    expect(small.tooSmall).toBe(true);
    const typed = run(start(), key('http://x', {}, small), key('\r', { return: true }, small));
    expect(typed.wizard.input).toEqual({});
    expect(run(start(), key('c', { ctrl: true }, small)).wizard.phase.name).toBe('cancelled');
  });

  test('the review scrolls within its own length, and a new plan starts at the top', () => {
    const plan = { steps: [{ id: 'bucket', title: 'Create the bucket', why: '', command: Array.from({ length: 60 }, (_, i) => `echo ${i}`).join('\n') }], warnings: [], answers: { backend: 'minio' } } as unknown as SetupPlan;
    const review: UiState = { ...start(), wizard: { ...start().wizard, position: 999, phase: { name: 'review' }, review: { plan, reports: [], previews: [], revealed: false } } };
    const scrolled = run(review, ...Array.from({ length: 200 }, () => key('', { downArrow: true })));
    expect(scrolled.reviewScroll).toBeGreaterThan(0);
    expect(scrolled.reviewScroll).toBeLessThan(70);
    const again = run(scrolled, key('', { downArrow: true }));
    expect(again.reviewScroll).toBe(scrolled.reviewScroll);
    const back = run(scrolled, { type: 'go-back' });
    expect(back.reviewScroll).toBe(0);
  });
});
