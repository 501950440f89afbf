/**
 * Ink (through is-in-ci) renders only the last frame when `CI` is set, which would leave the
 * component tests waiting for frames that never come. CI sets it; the tests need Ink's normal
 * rendering. The value moves to `NCW_CI`, which the test helpers read to fail rather than skip
 * when a program is missing in CI.
 */
if (process.env['CI'] !== undefined) {
  process.env['NCW_CI'] = process.env['CI'];
  delete process.env['CI'];
}
