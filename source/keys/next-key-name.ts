/**
 * The name of the key after `name` (SPEC 8, notes/nix.md: "convention `<cache host>-<n>`, bump n
 * to rotate"): the trailing number plus one, keeping its width (`-09` → `-10`, `-1` → `-2`), or
 * `-2` appended when the name has none (the first key was implicitly number 1).
 */
export function nextKeyName(name: string): string {
  const match = /^(.*?)(\d+)$/.exec(name);
  if (!match) return `${name}-2`;
  const [, stem = '', digits = ''] = match;
  const next = (BigInt(digits) + 1n).toString();
  return `${stem}${next.padStart(digits.length, '0')}`;
}
