#!/usr/bin/env node
// vethsim is TypeScript run through tsx: no build step between a clone and `npx vethsim`.
import { register } from 'tsx/esm/api';

// A reader that goes away (`vethsim run ... | head`) ends the output, as it does for any Unix tool.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
