/**
 * @noble/ed25519 with its synchronous API switched on. v2 ships without a SHA-512 of its own and
 * only the async functions work until `etc.sha512Sync` is set; key generation, signing and
 * verifying happen inside synchronous plan code, so every module here imports ed25519 from this
 * file, never from the package directly.
 */
import * as ed from '@noble/ed25519';
// `@noble/hashes/sha2` is where v1.8 keeps sha512 (the older `@noble/hashes/sha512` path is a
// deprecated re-export of it).
import { sha512 } from '@noble/hashes/sha2';

ed.etc.sha512Sync = (...messages) => sha512(ed.etc.concatBytes(...messages));

export { ed };
