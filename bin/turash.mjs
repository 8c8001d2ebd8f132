#!/usr/bin/env node
// The `turash` command: runs the TypeScript command line through tsx, so there is no build step
// between a change and the command (the Electron bundle is built separately by esbuild).
import { register } from 'tsx/esm/api';

register();
// `turash export ... | head` closes the pipe early: that is not an error.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});
const { runCli } = await import('../main/cli.ts');
process.exitCode = await runCli(process.argv.slice(2));
