/** `reference serve`: the bundled reference Application Server on its own, so a vendor can try the profile's HTTP API. */
import { parseArgs } from 'node:util';
import { UsageError, EXIT } from './usage-error.ts';
import { referenceFaults, startReferenceApplicationServer } from '../adapters/index.ts';
import { listenOrExplain, serveUntilStopped } from './serve-until-stopped.ts';

const HELP = `Usage: obf-conformance reference serve [--port <n>] [--reference-fault <name>]

Start the reference Application Server (draft B.2.2.3) on http://127.0.0.1:<port>/obf/v1, the HTTP API of
docs/profile/http-api.md (POST /keys, /decrypt, /encrypt; GET /health), and keep it running until Ctrl-C.
Its state (imported keys, counters) lives in memory and is lost when it stops.

Options:
  --port <n>                port to listen on (default: a free one, printed)
  --reference-fault <name>  switch on a fault (see 'obf-conformance faults'); repeatable
  -h, --help                show this help`;

export async function referenceServeCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { port: { type: 'string' }, 'reference-fault': { type: 'string', multiple: true }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    console.log(HELP);
    return EXIT.ok;
  }
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`reference serve: --port must be 0..65535, got '${values.port}'`);
  const faults = (values['reference-fault'] ?? []).flatMap((f) => f.split(',')).filter((f) => f.trim() !== '');
  for (const f of faults) if (!Object.hasOwn(referenceFaults(), f)) throw new UsageError(`reference serve: unknown reference fault '${f}' (see 'obf-conformance faults')`);
  const server = await listenOrExplain('reference serve', port, () => startReferenceApplicationServer({ port, faults }));
  console.log(`reference Application Server at ${server.url}${faults.length ? ` (fault: ${faults.join(',')})` : ''}`);
  console.log(`  try: curl -s ${server.url}/health`);
  await serveUntilStopped(server);
  return EXIT.ok;
}

export async function referenceHelpCommand(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(HELP);
    return EXIT.ok;
  }
  throw new UsageError(args.length ? `unknown reference command '${args[0]}' (try 'obf-conformance reference serve --help')` : "reference: give a command, e.g. 'obf-conformance reference serve'");
}
