/**
 * The characters a builder secret may hold. A secret is written into an INI file (AWS
 * credentials), JSON (mc config), an `MC_HOST_<alias>=https://ACCESS:SECRET@host` URL that mc
 * parses with a regex and no URL decoding, Nix strings, and shell commands shown to the user.
 * Only letters, digits and these symbols survive all of them unquoted:
 * - `@ : /` break the MC_HOST URL; `% ? #` mean something in URLs;
 * - `" \` need escaping in JSON and Nix, `$` starts Nix and shell interpolation;
 * - `' " \` $ ! & ; | < > ( ) * ? [ ] { } ~ #` and space mean something to a shell;
 * - `;` and `#` start comments in INI files.
 * What is left: `+ , - . = _`.
 */
export const SECRET_SYMBOLS = '+,-.=_';

/** pwgen -B: characters that are easily confused (`0O1lI|` and friends) are never generated. */
export const AMBIGUOUS_CHARACTERS = 'B8G6I1l0OQDS5Z2|';

const LETTERS_AND_DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Every character a supplied secret may contain. */
export const SECRET_CHARACTERS = LETTERS_AND_DIGITS + SECRET_SYMBOLS;

/** The first character of `secret` that would not survive every place it is written, if any. */
export function findUnsafeSecretCharacter(secret: string): string | undefined {
  for (const ch of secret) {
    if (!SECRET_CHARACTERS.includes(ch)) return ch;
  }
  return undefined;
}
