/** `ip` (iproute2 6.1) — placeholder while the modules are written. */
import type { Tool } from '../tool.js';
import { out } from '../tool.js';

export const ip: Tool = {
  check: () => 'ip is not implemented yet',
  run: () => out('', 'ip: not implemented yet\n', 1),
};
