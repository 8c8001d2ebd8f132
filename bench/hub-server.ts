/**
 * One hub instance for `turash bench hub`, run as a CHILD process (`node --import tsx
 * bench/hub-server.ts <database> [limits JSON] [transport JSON]`), so its CPU and memory are its own, apart from
 * the simulated laptops, and two instances really run in parallel. Prints one JSON line
 * `{ url, wsUrl, pid }` once it listens; ends when its stdin closes (the bench process ended or
 * crashed) or on SIGTERM.
 */
import { startHub, type HubTransportLimits } from '../sync/hub/server.ts';
import type { HubLimits } from '../sync/hub/limits.ts';

const [database, limitsJson, transportJson] = process.argv.slice(2);
if (!database) {
  process.stderr.write('usage: node --import tsx bench/hub-server.ts <sqlite file | postgres:// url> [limits JSON] [transport JSON]\n');
  process.exit(2);
}
const limits = (limitsJson ? JSON.parse(limitsJson) : {}) as Partial<HubLimits>;
const transport = (transportJson ? JSON.parse(transportJson) : {}) as Partial<HubTransportLimits>;
const hub = await startHub({ database, port: 0, limits, transport });
process.stdout.write(`${JSON.stringify({ url: hub.url, wsUrl: hub.wsUrl, pid: process.pid })}\n`);

let closing = false;
const close = () => {
  if (closing) return;
  closing = true;
  void hub.close().finally(() => process.exit(0));
};
process.stdin.on('end', close);
process.stdin.resume();
process.on('SIGTERM', close);
