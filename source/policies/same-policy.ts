/**
 * Is the policy on the server the one we would write? MinIO stores a policy (canned or a bucket's)
 * parsed and writes it back its own way (key order, a single value for a one-element list,
 * deduplicated actions, and the actions of a statement in a random order from one read to the
 * next: measured, 40 of 400 reads of one bucket policy), so the check compares meaning, not bytes.
 */

/** keys whose value may be a string or a list of strings, and whose order does not matter */
const SET_KEYS = new Set(['Action', 'NotAction', 'Resource', 'NotResource']);

function canonical(value: unknown, key?: string): unknown {
  if (key !== undefined && SET_KEYS.has(key)) {
    const list = Array.isArray(value) ? value : [value];
    return [...new Set(list.map((item) => String(item)))].sort();
  }
  if (key === 'Statement') {
    const list = Array.isArray(value) ? value : [value];
    return list.map((statement) => canonical(statement)).sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
  }
  if (Array.isArray(value)) return value.map((item) => canonical(item));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[k];
      // An empty Sid or Condition means the same as none.
      if ((k === 'Sid' && v === '') || (k === 'Condition' && v !== null && typeof v === 'object' && Object.keys(v).length === 0)) continue;
      if (v === undefined || v === null) continue;
      out[k] = canonical(v, k);
    }
    return out;
  }
  return value;
}

export function samePolicy(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

/** samePolicy for two policy texts as a server answers them (null: no policy); a text that is not JSON compares as it is. */
export function samePolicyText(a: string | null, b: string | null): boolean {
  if (a === null || b === null) return a === b;
  try {
    return samePolicy(JSON.parse(a), JSON.parse(b));
  } catch {
    return a === b;
  }
}
