import { wrapLine } from '../../source/text/wrap-line';

/**
 * Rows a step panel's frame takes around its content: the title, the why (wrapped to the
 * panel's width), the blank rows and the key hints. Screens that scroll fill the rest.
 */
export function panelChromeRows(why: string, width: number): number {
  return 1 + wrapLine(why, width).length + 1 + 1 + 1;
}
