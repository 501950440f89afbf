/**
 * Narinfos by upload age, as a small bar chart for the terminal (issue 18, 1). The scan counts
 * narinfos per day of age (memory bounded by the cache's age in days, not by its size); the chart
 * groups the days by week when the cache is young (at most 12 weeks), else by month (30 days),
 * the oldest rows beyond MAX_ROWS gathered into one.
 */
export type AgeUnit = 'week' | 'month';

export interface AgeBucket {
  /** "this week", "2 weeks ago", "older" */
  readonly label: string;
  /** ages in days this row holds, from (inclusive) to (exclusive; null: no end) */
  readonly fromDays: number;
  readonly toDays: number | null;
  readonly count: number;
}

export interface AgeChart {
  readonly unit: AgeUnit;
  readonly buckets: readonly AgeBucket[];
}

const MAX_ROWS = 12;
const WEEK = 7;
const MONTH = 30;

/** The count of narinfos per day of age, as the scan grows it. */
export class AgeCounter {
  private readonly perDay = new Map<number, number>();
  constructor(private readonly now: Date) {}

  add(lastModified: Date): void {
    const days = Math.max(0, Math.floor((this.now.getTime() - lastModified.getTime()) / 86_400_000));
    this.perDay.set(days, (this.perDay.get(days) ?? 0) + 1);
  }

  chart(): AgeChart {
    return ageChart(this.perDay);
  }
}

function label(unit: AgeUnit, index: number): string {
  if (index === 0) return `this ${unit}`;
  return `${index} ${unit}${index === 1 ? '' : 's'} ago`;
}

export function ageChart(perDay: ReadonlyMap<number, number>): AgeChart {
  const oldest = Math.max(0, ...perDay.keys());
  const unit: AgeUnit = oldest < MAX_ROWS * WEEK ? 'week' : 'month';
  const size = unit === 'week' ? WEEK : MONTH;
  const span = Math.floor(oldest / size) + 1;
  const rows = Math.min(MAX_ROWS, span);
  const counts = new Array<number>(rows).fill(0);
  for (const [days, count] of perDay) counts[Math.min(rows - 1, Math.floor(days / size))]! += count;
  const buckets: AgeBucket[] = counts.map((count, index) => ({ label: label(unit, index), fromDays: index * size, toDays: (index + 1) * size, count }));
  // a cache older than MAX_ROWS months: the last row gathers everything from its start on
  if (span > MAX_ROWS) buckets[rows - 1] = { ...buckets[rows - 1]!, label: 'older', toDays: null };
  return { unit, buckets };
}

/** The chart as lines: a label, a bar of `width` cells at most, the count. */
export function renderAgeChart(chart: AgeChart, width = 30): string[] {
  if (chart.buckets.every((bucket) => bucket.count === 0)) return [];
  const max = Math.max(...chart.buckets.map((bucket) => bucket.count));
  const labelWidth = Math.max(...chart.buckets.map((bucket) => bucket.label.length));
  return chart.buckets.map((bucket) => {
    const cells = bucket.count === 0 ? 0 : Math.max(1, Math.round((bucket.count / max) * width));
    return `${bucket.label.padEnd(labelWidth)}  ${'█'.repeat(cells)}${' '.repeat(width - cells)} ${bucket.count.toLocaleString('en-US')}`;
  });
}
