/** `targets check <file>`: validate a target file and probe each role it names, printing what was found. */
import { parseCommandArgs } from './args.ts';
import { probeTarget } from '../adapters/targets.ts';
import { CAPABILITY_TAGS, effectiveCapabilities, type Capabilities } from '../harness/capabilities.ts';
import { UsageError, EXIT } from './usage-error.ts';
import { loadTargetOrExplain } from './target-options.ts';

const HELP = `Usage: obf-conformance targets check <file> [--timeout <ms>] [--json]

Validate a target file (docs/target-file.md) and probe each role it names as a run would reach it:
  secureElement  the PC/SC reader is present, its card answers SELECT of the OBF application, EF_ICCID
  device         the serial port opens and the device answers AT commands; its SE through AT+CSIM
  servers        the base URL answers HTTP (GET <baseUrl>/health)
  plug-ins       the module loads and returns an adapter with every method of its role
Roles the file does not name are reported as the reference a run starts. Then the capabilities the run goes by
and the capability tags whose scenarios would be not applicable.

Options:
  --timeout <ms>  per-probe timeout where the file's parameters.timeouts give none (default 5000)
  --json          print the findings as JSON
  -h, --help      show this help

Exit codes: 0 valid and every probe passed; 1 valid but a role did not answer, refused its token or looks\nmisaddressed (404 on /health); 2 the file is not valid.`;

function capabilityLine(c: Capabilities): string {
  return `algorithms ${c.algorithms.join(', ') || 'none'}; replayCheck ${c.replayCheck}; counterModes ${c.counterModes.join(', ') || 'none'}; gbaU ${c.gbaU}; providerTransfer ${c.providerTransfer}; clockHook ${c.clockHook}`;
}

export async function targetsCheckCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('targets check', { args, allowPositionals: true, options: { timeout: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    console.log(HELP);
    return EXIT.ok;
  }
  if (positionals.length !== 1) throw new UsageError(positionals.length ? `targets check: one target file, got ${positionals.length}` : 'targets check: give a target file (see docs/target-file.md and examples/targets/)');
  const timeoutMs = values.timeout === undefined ? 5000 : Number(values.timeout);
  if (!Number.isInteger(timeoutMs) || timeoutMs < 100 || timeoutMs > 600_000) throw new UsageError(`targets check: --timeout must be 100..600000 ms, got '${values.timeout}'`);
  const target = await loadTargetOrExplain('targets check', positionals[0]);
  const probes = await probeTarget(target, timeoutMs);
  const capabilities = effectiveCapabilities(target.capabilities, target.thirdParty);
  const notApplicable = Object.entries(CAPABILITY_TAGS).filter(([, r]) => !r.holds(capabilities)).map(([tag, r]) => ({ tag, needs: r.needs }));
  const ok = probes.every((p) => p.ok);
  if (values.json) {
    console.log(JSON.stringify({ file: target.file, valid: true, sut: target.sut, roles: probes, capabilities, notApplicable, ok }, null, 2));
    return ok ? EXIT.ok : EXIT.failed;
  }
  console.log(`target file ${positionals[0]}: valid`);
  console.log(`system under test: ${target.sut.vendor} ${target.sut.product} ${target.sut.version}`);
  console.log('roles:');
  const width = Math.max(...probes.map((p) => p.how.length));
  for (const p of probes) console.log(`  ${p.role.padEnd(21)} ${p.how.padEnd(width)}  ${p.how === 'reference' ? '--  ' : p.ok ? 'OK  ' : 'FAIL'}  ${p.found}`);
  console.log(`capabilities the run goes by: ${capabilityLine(capabilities)}`);
  console.log(notApplicable.length ? `not applicable with these: scenarios tagged ${notApplicable.map((n) => `${n.tag} (needs ${n.needs})`).join('; ')}` : 'every capability tag of the suite is declared');
  console.log(ok ? 'every role answered' : `${probes.filter((p) => !p.ok).length} role(s) failed the check (reasons above): a run would end inconclusive or in error for them`);
  return ok ? EXIT.ok : EXIT.failed;
}

export async function targetsHelpCommand(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(HELP);
    return EXIT.ok;
  }
  throw new UsageError(args.length ? `unknown targets command '${args[0]}' (try 'obf-conformance targets check --help')` : "targets: give a command, e.g. 'obf-conformance targets check <file>'");
}
