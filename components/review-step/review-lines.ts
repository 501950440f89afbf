/**
 * The review screen's content as rows: warnings, every server step with its checked state, why
 * it is there when something will change, and its equivalent command; then every file with its
 * action and its diff.
 */
import type { FilePreview, SetupPlan } from '../../source/session/setup-session';
import { isReplacement, type StepReport, type StepStatus } from '../../source/steps/server-step';
import { commandRows } from '../../source/text/wrap-command';
import { wrapLine } from '../../source/text/wrap-line';
import { maxScroll, type ScreenLine } from '../layout/scroll-window';
import { panelChromeRows } from '../layout/panel-rows';
import type { Tone } from '../theme/tone';
import { fileDiffLines } from './file-diff-lines';

const STATUS: Record<StepStatus, { mark: string; word: string; tone: Tone }> = {
  done: { mark: '✔', word: 'done', tone: 'success' },
  changed: { mark: '✔', word: 'changed', tone: 'success' },
  todo: { mark: '+', word: 'to do', tone: 'warning' },
  conflict: { mark: '✘', word: 'conflict', tone: 'error' },
  skipped: { mark: '–', word: 'skipped', tone: 'muted' },
  failed: { mark: '✘', word: 'failed', tone: 'error' },
};

/** A check that replaces settings someone else made (SPEC 5) is shown as such, not as a plain "to do". */
const REPLACE = { mark: '±', word: 'replace', tone: 'warning' as Tone };
const REMOVAL = { mark: '−', word: 'removal', tone: 'error' as Tone };

export function statusLook(status: StepStatus) {
  return STATUS[status];
}

function reportLook(report: StepReport) {
  return report.removes ? REMOVAL : isReplacement(report) ? REPLACE : STATUS[report.status];
}

const ACTION_WORDS: Record<string, { word: string; tone: Tone }> = {
  'would-create': { word: 'create', tone: 'added' },
  'would-update': { word: 'update', tone: 'warning' },
  created: { word: 'create', tone: 'added' },
  updated: { word: 'update', tone: 'warning' },
  unchanged: { word: 'unchanged', tone: 'muted' },
};

export function actionLook(action: string) {
  return ACTION_WORDS[action] ?? { word: action, tone: 'plain' as Tone };
}

/** A file whose new content takes something away (trust in a signing key) is a removal, not an update. */
function fileLook(preview: FilePreview) {
  return preview.removes ? REMOVAL : actionLook(preview.action);
}

export interface ReviewLinesInput {
  readonly plan: SetupPlan;
  readonly reports: readonly StepReport[];
  readonly previews: readonly FilePreview[];
  readonly revealed: boolean;
  readonly width: number;
}

export function reviewLines({ plan, reports, previews, revealed, width }: ReviewLinesInput): ScreenLine[] {
  const rows: ScreenLine[] = [];
  const add = (text: string, tone: Tone, indent = '') => {
    for (const row of wrapLine(text, width, indent)) rows.push({ text: row, tone });
  };
  for (const warning of plan.warnings) add(`⚠ ${warning}`, 'warning', '  ');
  const conflicts = reports.filter((r) => r.status === 'conflict' || r.status === 'failed');
  if (conflicts.length > 0) add(`✘ ${conflicts.length} step(s) cannot be done as things are; applying would stop there.`, 'error', '  ');
  if (rows.length > 0) rows.push({ text: '', tone: 'plain' });

  const count = (values: readonly string[]) =>
    Object.entries(values.reduce<Record<string, number>>((acc, v) => ({ ...acc, [v]: (acc[v] ?? 0) + 1 }), {}))
      .map(([word, n]) => `${n} ${word}`)
      .join(', ');
  // A change that takes something away (expiry rules, anonymous access) is a removal, not one more "to do" (SPEC 8).
  add(`In short: server steps ${count(reports.map((r) => reportLook(r).word))}; files ${count(previews.map((p) => fileLook(p).word))}.`, 'plain', '  ');
  rows.push({ text: '', tone: 'plain' });
  add('Server steps', 'title');
  for (const step of plan.steps) {
    const report = reports.find((r) => r.id === step.id);
    const look = report ? reportLook(report) : { mark: '?', word: 'not checked', tone: 'muted' as Tone };
    add(`${look.mark} ${step.title} — ${look.word}`, look.tone, '    ');
    if (report?.removes) add(`  removes ${report.removes}`, 'error', '    ');
    if (report?.detail) add(`  ${report.detail}`, report.status === 'conflict' ? 'error' : 'muted', '    ');
    if (report?.status === 'conflict' && step.id === 'user' && plan.answers.backend === 'minio') {
      add('  If the user already has the secret in your AWS profile: Esc back to the builder secret and press k.', 'warning', '    ');
    }
    for (const row of commandRows(step.command, width, '  $ ', '      ')) rows.push({ text: row, tone: 'muted' });
  }
  rows.push({ text: '', tone: 'plain' });
  add('Files', 'title');
  for (const preview of previews) {
    const look = fileLook(preview);
    add(`${look.word.padEnd(9)} ${preview.path}`, look.tone, '          ');
    add(`          ${preview.title}${preview.secret ? ' (holds a secret: mode 0600)' : ''}`, 'muted', '          ');
    if (preview.removes) add(`          removes ${preview.removes}`, 'error', '          ');
    if (preview.action !== 'unchanged') rows.push(...fileDiffLines(preview, revealed, width));
  }
  return rows;
}

/** The review's rows and how they scroll in a panel of `width` × `height`. */
export function reviewViewport(review: Omit<ReviewLinesInput, 'width'> | undefined, width: number, height: number, why: string) {
  const lines = review ? reviewLines({ ...review, width }) : [];
  const page = Math.max(3, height - panelChromeRows(why, width));
  return { lines, page, max: maxScroll(lines.length, page) };
}
