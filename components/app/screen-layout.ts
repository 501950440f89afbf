/** The wizard's screen geometry, shared by the views and the key bindings that scroll them. */

/** Width of the step list, its gap to the panel included. */
export const LIST_WIDTH = 21;

/** The smallest terminal the wizard draws in (SPEC 9: it fits 80×24). */
export const MIN_COLUMNS = 80;
export const MIN_ROWS = 24;

export interface ScreenLayout {
  readonly width: number;
  /** rows used: one short of the terminal, so Ink never clears the screen to redraw */
  readonly height: number;
  /** rows below the header */
  readonly bodyHeight: number;
  readonly panelWidth: number;
  /**
   * The terminal is smaller than 80×24: rather than rows drawn over each other and key hints cut
   * off, the screen says to make the window larger (and keys wait, but for Ctrl-C).
   */
  readonly tooSmall: boolean;
}

export function screenLayout(columns: number, rows: number): ScreenLayout {
  const tooSmall = columns < MIN_COLUMNS || rows < MIN_ROWS;
  const width = Math.max(MIN_COLUMNS, columns);
  const height = Math.max(MIN_ROWS, rows) - 1;
  return { width, height, bodyHeight: height - 2, panelWidth: width - LIST_WIDTH, tooSmall };
}

/** What is shown instead of the wizard in too small a window. */
export function tooSmallMessage(columns: number, rows: number): string {
  // A terminal that cannot grow (a phone, a serial console) still has a way through: the plain prompts.
  return `Make the window larger: the wizard needs ${MIN_COLUMNS}×${MIN_ROWS}, this one is ${columns}×${rows}. Nothing is lost meanwhile; Ctrl-C cancels. In a window that cannot grow, run it with --plain: plain prompts, any size.`;
}
