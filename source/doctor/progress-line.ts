/**
 * The scan's progress on stderr (issue 18, 7): counts and an ETA, rewritten in place on a
 * terminal (at most every 200 ms), one line every 5 s at most when stderr is a file or a pipe (a
 * CI log should not get one line per narinfo). Never with --json.
 */
import type { ScanProgress } from './scan-cache';

export interface ProgressLine {
  update(progress: ScanProgress): void;
  /** clears the line on a terminal */
  done(): void;
}

const count = (n: number) => n.toLocaleString('en-US');

function eta(seconds: number): string {
  if (!Number.isFinite(seconds)) return '';
  if (seconds < 60) return `, about ${Math.max(1, Math.round(seconds))} s left`;
  return `, about ${Math.round(seconds / 60)} min left`;
}

export function progressText(progress: ScanProgress, elapsedMs: number): string {
  if (progress.phase === 'listing') return `Listing the bucket: ${count(progress.done)} objects`;
  const total = progress.total ?? 0;
  const rate = elapsedMs > 0 ? progress.done / (elapsedMs / 1000) : 0;
  const left = rate > 0 ? (total - progress.done) / rate : Infinity;
  const what = progress.phase === 'narinfos' ? 'narinfos' : 'NAR headers';
  const percent = total > 0 ? Math.floor((progress.done / total) * 100) : 100;
  return `Checking ${what}: ${count(progress.done)} of ${count(total)} (${percent}%)${progress.done < total ? eta(left) : ''}`;
}

export function progressLine(stream: NodeJS.WritableStream & { isTTY?: boolean }, now: () => number = Date.now): ProgressLine {
  const tty = stream.isTTY === true;
  const every = tty ? 200 : 5000;
  let last = 0;
  let phase: ScanProgress['phase'] | undefined;
  let phaseStart = now();
  let shown = false;
  return {
    update(progress) {
      const time = now();
      if (progress.phase !== phase) {
        phase = progress.phase;
        phaseStart = time;
      }
      if (time - last < every) return;
      last = time;
      const text = progressText(progress, time - phaseStart);
      stream.write(tty ? `\r\u001b[2K${text}` : `${text}\n`);
      shown = true;
    },
    done() {
      if (tty && shown) stream.write('\r\u001b[2K');
    },
  };
}
