// `npm start [-- ARGS]` in a clone: npm runs scripts in the package's folder, but the wizard writes
// its files (./nix-cache.nix, …) relative to where the user started, which npm passes as INIT_CWD.
// Changing folder and importing the CLI keeps one process, so the terminal stays the wizard's.
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
if (process.env.INIT_CWD) process.chdir(process.env.INIT_CWD);
await import(cli);
