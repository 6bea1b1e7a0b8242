#!/usr/bin/env node
// The compiled CLI, bundled (scripts/bundle-cli.mjs says why): `npm ci` and `npm install` build dist/
// (the `prepare` script), so nothing compiles TypeScript at run time. With VETHSIM_DEBUG set, an
// internal error's stack names the .ts lines.
import { fileURLToPath } from 'node:url';

if (process.env.VETHSIM_DEBUG) process.setSourceMapsEnabled(true);
const entry = new URL('../dist/bin/vethsim.js', import.meta.url);
try {
  await import(entry.href);
} catch (e) {
  // Only the entry itself missing means "not built"; anything else missing is a real error.
  if (e?.code !== 'ERR_MODULE_NOT_FOUND' || !String(e.message).includes(fileURLToPath(entry))) throw e;
  process.stderr.write('vethsim: not built (dist/ is missing): run `npm run build` in the vethsim folder (`npm ci` does it)\n');
  process.exitCode = 70;
}
