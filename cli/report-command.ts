/** `report serve <dir>`: serve a run folder on loopback so the Allure report (which loads its data over HTTP) opens in a browser. */
import { parseArgs } from 'node:util';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { UsageError, EXIT } from './usage-error.ts';
import { serveDirectory } from '../reports/serve.ts';
import { DEFAULT_OUT } from './run-command.ts';

const HELP = `Usage: obf-conformance report serve [<dir>] [--port <n>]

Serve a run folder (default: ${DEFAULT_OUT}/) on http://127.0.0.1 and print the addresses of its
Allure report and certification report. Stop with Ctrl-C.`;

export async function reportServeCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { port: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    console.log(HELP);
    return EXIT.ok;
  }
  const dir = path.resolve(positionals[0] ?? DEFAULT_OUT);
  if (!existsSync(dir)) throw new UsageError(`report serve: ${dir} does not exist (run 'obf-conformance run' first)`);
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`report serve: --port must be 0..65535, got '${values.port}'`);
  const server = await serveDirectory(dir, { port });
  console.log(`serving ${dir}`);
  if (existsSync(path.join(dir, 'allure-report', 'index.html'))) console.log(`  Allure report:        ${server.url}allure-report/index.html`);
  if (existsSync(path.join(dir, 'certification.html'))) console.log(`  certification report: ${server.url}certification.html`);
  console.log('Ctrl-C to stop.');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await server.close();
  return EXIT.ok;
}
