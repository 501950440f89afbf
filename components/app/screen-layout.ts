/** The wizard's screen geometry, shared by the views and the key bindings that scroll them. */

/** Width of the step list, its gap to the panel included. */
export const LIST_WIDTH = 21;

export interface ScreenLayout {
  readonly width: number;
  /** rows used: one short of the terminal, so Ink never clears the screen to redraw */
  readonly height: number;
  /** rows below the header */
  readonly bodyHeight: number;
  readonly panelWidth: number;
}

export function screenLayout(columns: number, rows: number): ScreenLayout {
  const width = Math.max(60, columns);
  const height = Math.max(12, rows - 1);
  return { width, height, bodyHeight: height - 2, panelWidth: width - LIST_WIDTH };
}
