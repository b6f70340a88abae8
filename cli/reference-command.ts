/** `reference serve`: the bundled reference Application Server on its own, so a vendor can try the profile's HTTP API. */
import { UsageError, EXIT } from './usage-error.ts';
import { parseCommandArgs } from './args.ts';
import { DataFileError, referenceFaults, startReferenceServers } from '../adapters/index.ts';
import { listenOrExplain, serveUntilStopped } from './serve-until-stopped.ts';

const HELP = `Usage: obf-conformance reference serve [--port <n>] [--data <file>] [--reference-fault <name>]

Start the reference servers on loopback and keep them running until Ctrl-C (or SIGTERM to this node process):
  Application Server     http://127.0.0.1:<port>/obf/v1      docs/profile/http-api.md (draft B.2.2.3)
  Authentication Server  http://127.0.0.1:<port+1>/obf/v1/auth  docs/profile/gba-api.md (RPB, RPO)
  Resource Server        http://127.0.0.1:<port+2>/obf/v1/rs    docs/profile/gba-api.md (RPR, rights)
The ports follow one another only with --port; without it each server gets its own free port, unrelated to the
others: use the addresses printed. The admin and RPR tokens are made fresh and printed. State (imported keys, replay counters, subscribers,
bootstraps, registered Application Servers, rights) lives in memory and is lost when they stop, unless --data
names an SQLite file: then every change is on disk before it is answered, and a restart on the same file
(even after a crash) carries on where the servers stopped. The file holds keys in clear: keep it private.

Options:
  --port <n>                first of three consecutive ports (default: three unrelated free ports, printed)
  --data <file>             keep the servers' state in this SQLite file (created if missing; WAL mode)
  --reference-fault <name>  switch on a fault (see 'obf-conformance faults'); repeatable
  -h, --help                show this help`;

export async function referenceServeCommand(args: string[]): Promise<number> {
  const { values } = parseCommandArgs('reference serve', { args, options: { port: { type: 'string' }, data: { type: 'string' }, 'reference-fault': { type: 'string', multiple: true }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    console.log(HELP);
    return EXIT.ok;
  }
  const port = values.port === undefined ? 0 : Number(values.port);
  // The Authentication and Resource Servers take port+1 and port+2.
  if (!Number.isInteger(port) || port < 0 || port > 65533) throw new UsageError(`reference serve: --port must be 0..65533 (the other servers take the next two), got '${values.port}'`);
  const faults = (values['reference-fault'] ?? []).flatMap((f) => f.split(',')).filter((f) => f.trim() !== '');
  for (const f of faults) if (!Object.hasOwn(referenceFaults(), f)) throw new UsageError(`reference serve: unknown reference fault '${f}' (see 'obf-conformance faults')`);
  if (values.data === '') throw new UsageError('reference serve: --data needs a file name');
  const s = await listenOrExplain('reference serve', port, async () => {
    try {
      return await startReferenceServers({ port, faults, data: values.data });
    } catch (e) {
      if (e instanceof DataFileError) throw new UsageError(`reference serve: ${e.message}`);
      throw e;
    }
  });
  console.log(`reference servers${faults.length ? ` (fault: ${faults.join(',')})` : ''}${values.data ? ` (state in ${values.data})` : ' (state in memory)'}:`);
  console.log(`  Application Server     ${s.applicationServer}   admin token: ${s.tokens.asAdmin}   (try: curl -s ${s.applicationServer}/health)`);
  console.log(`  Authentication Server  ${s.authenticationServer}   admin token: ${s.tokens.authAdmin}`);
  // The RPR token is what an Authentication Server (or a vendor's) presents to this Resource Server: without it the
  // RPR API cannot be tried by hand. serve prints it too.
  console.log(`  Resource Server        ${s.resourceServer}   admin token: ${s.tokens.rsAdmin}   RPR token: ${s.tokens.rpr}`);

  await serveUntilStopped(s);
  return EXIT.ok;
}

export async function referenceHelpCommand(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(HELP);
    return EXIT.ok;
  }
  throw new UsageError(args.length ? `unknown reference command '${args[0]}' (try 'obf-conformance reference serve --help')` : "reference: give a command, e.g. 'obf-conformance reference serve'");
}
