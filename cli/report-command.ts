/** `report serve <dir>`: serve a run folder on loopback so the Allure report (which loads its data over HTTP) opens in a browser. */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { UsageError, EXIT } from './usage-error.ts';
import { parseCommandArgs } from './args.ts';
import { serveDirectory } from '../reports/serve.ts';
import { listenOrExplain, serveUntilStopped } from './serve-until-stopped.ts';
import { DEFAULT_OUT } from './run-command.ts';

const HELP = `Usage: obf-conformance report serve [<dir>] [--port <n>]

Serve a run folder (default: ${DEFAULT_OUT}/) on http://127.0.0.1 and print the addresses of its
Allure report and certification report. Stop with Ctrl-C.`;

export async function reportServeCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('report serve', { args, allowPositionals: true, options: { port: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    console.log(HELP);
    return EXIT.ok;
  }
  if (positionals.length > 1) throw new UsageError(`report serve: give one run folder, got ${positionals.length}`);
  const dir = path.resolve(positionals[0] ?? DEFAULT_OUT);
  if (!existsSync(dir)) throw new UsageError(`report serve: ${dir} does not exist (run 'obf-conformance run' first)`);
  if (!statSync(dir).isDirectory()) throw new UsageError(`report serve: ${dir} is not a folder`);
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`report serve: --port must be 0..65535, got '${values.port}'`);
  const hasReports = ['allure-report/index.html', 'certification.html'].some((f) => existsSync(path.join(dir, f)));
  if (!hasReports) throw new UsageError(`report serve: ${dir} holds no reports (no certification.html, no allure-report/); give a folder written by 'obf-conformance run'`);
  const server = await listenOrExplain('report serve', port, () => serveDirectory(dir, { port }));
  console.log(`serving ${dir} at ${server.url}`);
  const allure = existsSync(path.join(dir, 'allure-report', 'index.html'));
  const cert = existsSync(path.join(dir, 'certification.html'));
  if (allure) console.log(`  Allure report:        ${server.url}allure-report/index.html`);
  if (cert) console.log(`  certification report: ${server.url}certification.html`);
  await serveUntilStopped(server);
  return EXIT.ok;
}

export async function reportHelpCommand(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    console.log('Usage: obf-conformance report serve [<dir>] [--port <n>]\n\nCommands:\n  report serve   serve a run folder on loopback to open its reports in a browser');
    return EXIT.ok;
  }
  throw new UsageError(args.length ? `unknown report command '${args[0]}' (try 'obf-conformance report serve --help')` : "report: give a command, e.g. 'obf-conformance report serve results'");
}
