/**
 * The program's entry and its one composition root: the core (source/) with the full-screen UI
 * (components/) plugged in. The core never imports the views (STYLE 1); it is handed a loader, so
 * the UI's chunk is still loaded only by a setup that runs in a terminal.
 */
import { processIo } from '../source/cli-io';
import { main } from '../source/main';

// `nix-cache-wizard preview | head`: a reader that goes away is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

process.exitCode = await main(process.argv.slice(2), {
  ...processIo(),
  loadFullScreenWizard: async () => (await import('../components/run-wizard')).runWizard,
});
