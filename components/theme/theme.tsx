/**
 * Colours, switched off by NO_COLOR (https://no-color.org). Ink colours through chalk, and chalk
 * looks only at FORCE_COLOR and whether stdout is a terminal, not at NO_COLOR; so the wizard never
 * hands Ink a colour or a style when NO_COLOR is set. Every styled text goes through `Tinted`.
 */
import { Text } from 'ink';
import { Children, createContext, useContext, type ReactNode } from 'react';
import { terminalText } from '../../source/text/terminal-text';
import type { Tone } from './tone';

export type { Tone } from './tone';

const TONES: Record<Tone, { color?: string; bold?: boolean; dimColor?: boolean; inverse?: boolean }> = {
  plain: {},
  title: { bold: true, color: 'cyan' },
  accent: { color: 'cyan' },
  muted: { dimColor: true },
  success: { color: 'green' },
  error: { color: 'red' },
  warning: { color: 'yellow' },
  added: { color: 'green' },
  removed: { color: 'red' },
  selected: { color: 'cyan', bold: true },
  cursor: { inverse: true },
};

/** NO_COLOR present and not empty, as no-color.org says. */
export function colorsWanted(env: Readonly<Record<string, string | undefined>>): boolean {
  const value = env['NO_COLOR'];
  return value === undefined || value === '';
}

const ColorContext = createContext(true);

/** Provides whether colours may be used to every `Tinted` below it. */
export function ColorProvider({ colors, children }: { readonly colors: boolean; readonly children: ReactNode }) {
  return <ColorContext.Provider value={colors}>{children}</ColorContext.Provider>;
}

export function useColors(): boolean {
  return useContext(ColorContext);
}

export interface TintedProps {
  /** @default 'plain' */
  readonly tone?: Tone;
  /** how a line too long for its box is cut @default 'truncate-end' */
  readonly wrap?: 'wrap' | 'truncate-end';
  readonly children: ReactNode;
}

/**
 * Text in a tone; plain text when NO_COLOR is set. Lines are truncated, not wrapped, unless asked.
 * Every string shown goes through terminalText here, the one place all of the UI's text passes: a
 * server's error, a file name or an echoed answer cannot move the cursor or recolour the terminal.
 */
export function Tinted({ tone = 'plain', wrap = 'truncate-end', children }: TintedProps) {
  const colors = useColors();
  const style = colors ? TONES[tone] : {};
  return (
    <Text wrap={wrap} {...style}>
      {Children.map(children, (child) => (typeof child === 'string' ? terminalText(child) : child))}
    </Text>
  );
}
