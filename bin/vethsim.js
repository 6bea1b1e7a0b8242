#!/usr/bin/env node
// vethsim is TypeScript run through tsx: no build step between a clone and `npx vethsim`.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
