#!/usr/bin/env node
// Entry point of the `obf-conformance` command: registers the TypeScript loader, then runs the CLI.
import { register } from 'tsx/esm/api';

// A reader that stops early (`| head`) must not turn into a crash: later writes are dropped, the run goes on.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e) => {
    if (e.code !== 'EPIPE') throw e;
  });
}
register();
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
