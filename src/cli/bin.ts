/**
 * The `vethsim` program. bin/vethsim.js runs its bundle (dist/bin/vethsim.js, made by
 * scripts/bundle-cli.mjs); the tests run it from source, through tsx.
 */
import { main } from './main.js';

// A reader that goes away (`vethsim run ... | head`) ends the output, as it does for any Unix tool.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

process.exitCode = await main(process.argv.slice(2));
