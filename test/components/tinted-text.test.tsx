/** Every string the full-screen UI shows passes through Tinted, which shows control characters instead of sending them. */
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, test } from 'vitest';
import { cleanup } from 'ink-testing-library';
import { ColorProvider, Tinted } from '../../components/theme/theme';

afterEach(() => cleanup());

describe('text in the full-screen UI', () => {
  test("a server's ESC, OSC and CR sequences are shown, not sent to the terminal", () => {
    const app = render(
      <ColorProvider colors={false}>
        <Tinted tone="error">{'✘ step "bucket": Access Denied\r✔ done \u001b]0;pwned\u0007\u001b[2J'}</Tinted>
      </ColorProvider>,
    );
    const frame = app.lastFrame() ?? '';
    // eslint-disable-next-line no-control-regex
    expect(frame).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    expect(frame).toContain('Access Denied\\r✔ done \\e]0;pwned\\x07\\e[2J');
  });
});
