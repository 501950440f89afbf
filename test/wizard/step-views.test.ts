/** The narrow views the asking screens render, computed from the state without Ink (issue 9). */
import { describe, expect, test } from 'vitest';
import { connectionView, questionView, secretView } from '../../source/wizard/step-views';
import { createInitialState, currentQuestion, wizardReducer, type WizardAction, type WizardState } from '../../source/wizard/wizard-state';

const start = (): WizardState => createInitialState({ initial: {}, context: { aliases: {}, env: {} }, generatedSecret: 'Generated+Secret=7xYz' });
const run = (state: WizardState, ...actions: WizardAction[]) => actions.reduce(wizardReducer, state);

describe('the views of the asking screens', () => {
  test("a question shows the step's earlier answers, and Esc quits only at the first question", () => {
    const first = start();
    expect(questionView(first, currentQuestion(first)!)).toMatchObject({ earlier: [], escQuits: true });
    const state = run(first, { type: 'answer', value: 'http://minio.lan:9000' }, { type: 'answer', value: 'eu-west-1' }, { type: 'answer', value: 'admin' });
    const view = questionView(state, currentQuestion(state)!);
    expect(view.question.field).toBe('admin.secretKey');
    expect(view.escQuits).toBe(false);
    expect(view.earlier.map((row) => row.value)).toEqual(expect.arrayContaining(['http://minio.lan:9000', 'eu-west-1', 'admin']));
  });

  test('the secret screen gets the generated secret, not yet revealed, and the builder user it is for', () => {
    const view = secretView(start());
    expect(view).toMatchObject({ mode: 'generated', value: 'Generated+Secret=7xYz', revealed: false, user: 'nixbuilder' });
  });

  test('a failed connection names the answer to fix with its label', () => {
    const state = run(start(), { type: 'answer', value: 'http://minio.lan:9000' });
    const failed: WizardState = { ...state, phase: { name: 'connection-failed', message: 'connection refused', field: 'endpoint' } };
    expect(connectionView(failed)).toMatchObject({ mode: 'failed', field: 'endpoint', fieldLabel: expect.stringContaining('(endpoint)'), target: 'http://minio.lan:9000 as minio' });
    expect(connectionView({ ...state, phase: { name: 'detecting' } })).toMatchObject({ mode: 'detecting', endpoint: 'http://minio.lan:9000' });
  });
});
