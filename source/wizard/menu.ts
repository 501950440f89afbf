/**
 * The opening menu, shown in a terminal when a setup is remembered (SPEC 8): update it, rotate
 * the builder credentials or the signing key, preview the files, verify. Only "update" stays in
 * the wizard; the others are commands of their own, run once the wizard has closed
 * (source/commands/run-menu-choice.ts).
 */
export type MenuItem = 'update' | 'rotate-credentials' | 'rotate-key' | 'preview' | 'verify';

export interface MenuEntry {
  readonly value: MenuItem;
  readonly label: string;
  readonly hint: string;
}

export const MENU: readonly MenuEntry[] = [
  { value: 'update', label: 'Update the setup', hint: 'the questions again, starting from your last answers' },
  { value: 'rotate-credentials', label: 'Rotate the builder credentials', hint: 'a new builder secret on the server and in the AWS profile' },
  { value: 'rotate-key', label: 'Rotate the signing key', hint: 'a new key, trusted beside the old one' },
  { value: 'preview', label: 'Preview the files', hint: 'no network, nothing written' },
  { value: 'verify', label: 'Verify the cache', hint: 'check the live setup' },
];
