/**
 * The wizard's one `useInput`: every key goes to the reducer as a `key` action, and the reducer
 * reads it against the state it arrives in (ui-state.ts; route-key.ts picks the screen's bindings).
 *
 * Why not a `useInput` per screen, each mapping keys with the state it rendered with: Ink
 * re-subscribes handlers in an effect and React renders after the key handler returns, so keys that
 * arrive together (a fast typist, a paste of "secret⏎", tmux send-keys) reached a handler holding
 * the previous screen: an Enter meant for "backend" answered "region" again. Through the reducer no
 * key can be read against a stale state.
 */
import { useInput, type Key } from 'ink';
import { useCallback, useRef, type Dispatch } from 'react';
import { generateBuilderSecret } from '../../source/secrets/generate-builder-secret';
import type { ScreenLayout } from './screen-layout';
import type { UiAction } from './ui-state';

export interface UseWizardKeysProps {
  readonly dispatch: Dispatch<UiAction>;
  readonly layout: ScreenLayout;
  /** a cryptographic source (Effects.randomBytes), for r on the builder secret */
  readonly randomBytes: (length: number) => Uint8Array;
  /** false once the wizard is leaving @default true */
  readonly isActive?: boolean;
}

export function useWizardKeys({ dispatch, layout, randomBytes, isActive = true }: UseWizardKeysProps) {
  const latest = useRef({ layout, randomBytes });
  latest.current = { layout, randomBytes };
  // Stable, so Ink subscribes once for the whole run.
  const handler = useCallback(
    (input: string, key: Key) => {
      // The reducer must stay pure, so a secret that r might ask for is drawn here.
      const newSecret = input === 'r' ? generateBuilderSecret(latest.current.randomBytes) : undefined;
      dispatch({ type: 'key', input, key, layout: latest.current.layout, newSecret });
    },
    [dispatch],
  );
  useInput(handler, { isActive });
}
