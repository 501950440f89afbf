/**
 * The opening menu, shown in a terminal when a setup is remembered (SPEC 8): update it, rotate
 * the builder credentials or the signing key, preview the files, verify, check the cache contents, prune the cache. Only "update" stays in
 * the wizard; the others are commands of their own, run once the wizard has closed
 * (source/commands/run-menu-choice.ts).
 */
export type MenuItem = 'update' | 'rotate-credentials' | 'rotate-reader' | 'rotate-key' | 'preview' | 'verify' | 'doctor' | 'prune';

export interface MenuEntry {
  readonly value: MenuItem;
  readonly label: string;
  readonly hint: string;
}

const MENU: readonly MenuEntry[] = [
  { value: 'update', label: 'Update the setup', hint: 'the questions again, starting from your last answers' },
  { value: 'rotate-credentials', label: 'Rotate the builder credentials', hint: 'a new builder secret on the server and in the AWS profile' },
  { value: 'rotate-reader', label: 'Rotate the reader credentials', hint: 'a new reader secret on the server and in the reader credentials file' },
  { value: 'rotate-key', label: 'Rotate the signing key', hint: 'a new key, trusted beside the old one' },
  { value: 'preview', label: 'Preview the files', hint: 'no network, nothing written' },
  { value: 'verify', label: 'Verify the cache', hint: 'check the live setup' },
  { value: 'doctor', label: 'Check the cache contents', hint: 'every path: its NAR, its closure, its signatures; orphans (read-only)' },
  { value: 'prune', label: 'Prune the cache', hint: 'what no recent or pinned path needs: shown, then deleted if you say yes' },
];

/** The menu for a remembered setup: the reader's rotation only for a private cache, which has a reader. */
export function menuEntries(anonymous: string | undefined): readonly MenuEntry[] {
  return anonymous === 'none' ? MENU : MENU.filter((entry) => entry.value !== 'rotate-reader');
}
