/**
 * An existing signing key file (or key text) that is not what Nix expects. It is a
 * FileParseError, so the CLI shows it like any unreadable file: the message, no stack, the file
 * left as it was. Messages name the file and the broken rule and never quote the key text: a
 * secret key file's bytes must not reach the screen or a log (SPEC 10).
 */
import { FileParseError } from '../errors';

/** Which rule of the `NAME:BASE64(bytes)` key format was broken. */
export type KeyFileRule =
  | 'missing-colon'
  | 'empty-name'
  | 'name-has-colon'
  | 'name-has-white-space'
  | 'bad-base64'
  | 'wrong-length'
  | 'public-key-mismatch';

export class KeyFileError extends FileParseError {
  // `name` stays 'FileParseError' (inherited as a literal type, it cannot be narrowed to another
  // literal): code that handles FileParseError handles this too; `rule` tells the cases apart.
  constructor(
    message: string,
    /** the file path, or a description of where the text came from */
    path: string,
    readonly rule: KeyFileRule,
  ) {
    super(message, path);
  }
}
