/**
 * obf-conformance command line. Each command parses its own options with node:util parseArgs and answers --help.
 * Exit codes: 0 success, 1 a conformance run that did not pass (or a packet that failed verification),
 * 2 bad input or usage, 3 harness error.
 */
import { UsageError, EXIT } from './usage-error.ts';
import { ProtocolError } from '../protocol/errors.ts';
import { parseArgsUsageError, printable } from './args.ts';

const HELP = `obf-conformance: conformance test harness for the ITU-T Q16/13 Open Bootstrap Framework (OBF)

Usage: obf-conformance <command> [options]

Commands:
  run              Run the conformance suite against the system under test (default: the bundled
                   reference implementation) and write Allure and certification reports.
  packet decode    Decode a TS 102 225 secured command packet; decipher and verify it with keys.
  packet encode    Build a TS 102 225 secured command packet.
  milenage         Compute the TS 35.206 MILENAGE functions (OPc, MAC-A, MAC-S, RES, CK, IK, AK, AK*).
  gba derive       Derive a GBA NAF-specific key (TS 33.220 Annex B) from Ks, RAND, IMPI and NAF_Id.
  faults           List the switchable faults of the reference implementation.
  report serve     Serve a run folder on loopback to open its Allure report in a browser.
  merge            Merge the run folders of a sharded campaign (run --shard i/n) into one report.
  package          Write a signed results package of a run folder (Ed25519, SHA-256 manifest).
  verify           Check a results package with the lab's public key; names any changed file.
  keys generate    Generate a lab's Ed25519 key pair for package and verify.
  targets check    Validate a target file and probe each role it names (reader, serial port, servers).
  serve            Start reference parties standalone (servers, virtual card, device on a pty) until Ctrl-C.
  reference serve  Start the reference servers alone (the older form of 'serve --roles as,auth,rs').
  load             Simulate many devices sending uplink packets to the reference Application Server.

Run 'obf-conformance <command> --help' for a command's options.
Docs: docs/README.md (the OBF test profile, the CLI, the report schema).`;

type Command = (args: string[]) => Promise<number>;

async function load(name: string): Promise<Command | undefined> {
  switch (name) {
    case 'run':
      return (await import('./run-command.ts')).runCommand;
    case 'packet decode':
      return (await import('./packet-command.ts')).packetDecodeCommand;
    case 'packet encode':
      return (await import('./packet-command.ts')).packetEncodeCommand;
    case 'packet':
      return (await import('./packet-command.ts')).packetHelpCommand;
    case 'report serve':
      return (await import('./report-command.ts')).reportServeCommand;
    case 'milenage':
      return (await import('./gba-command.ts')).milenageCommand;
    case 'gba derive':
      return (await import('./gba-command.ts')).gbaDeriveCommand;
    case 'gba':
      return (await import('./gba-command.ts')).gbaHelpCommand;
    case 'targets check':
      return (await import('./targets-command.ts')).targetsCheckCommand;
    case 'targets':
      return (await import('./targets-command.ts')).targetsHelpCommand;
    case 'serve':
      return (await import('./serve-command.ts')).serveCommand;
    case 'reference serve':
      return (await import('./reference-command.ts')).referenceServeCommand;
    case 'reference':
      return (await import('./reference-command.ts')).referenceHelpCommand;
    case 'report':
      return (await import('./report-command.ts')).reportHelpCommand;
    case 'load':
      return (await import('./load-command.ts')).loadCommand;
    case 'faults':
      return (await import('./run-command.ts')).faultsCommand;
    case 'merge':
      return (await import('./merge-command.ts')).mergeCommand;
    case 'package':
      return (await import('./package-command.ts')).packageCommand;
    case 'verify':
      return (await import('./package-command.ts')).verifyCommand;
    case 'keys generate':
      return (await import('./package-command.ts')).keysGenerateCommand;
    case 'keys':
      return (await import('./package-command.ts')).keysHelpCommand;
    default:
      return undefined;
  }
}

export async function main(argv: string[]): Promise<number> {
  try {
    if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
      console.log(HELP);
      return argv.length === 0 ? EXIT.usage : EXIT.ok;
    }
    if (argv[0] === '--version') {
      const { suiteVersion } = await import('../harness/suite-info.ts');
      console.log(suiteVersion());
      return EXIT.ok;
    }
    const two = argv.length > 1 && !argv[1].startsWith('-') ? `${argv[0]} ${argv[1]}` : '';
    const twoCommand = two ? await load(two) : undefined;
    const name = twoCommand ? two : argv[0];
    const command = twoCommand ?? (await load(argv[0]));
    if (!command) throw new UsageError(`unknown command '${argv[0]}' (try 'obf-conformance --help')`);
    try {
      return await command(argv.slice(twoCommand ? 2 : 1));
    } catch (e) {
      return reportFailure(e, name);
    }
  } catch (e) {
    return reportFailure(e);
  }
}

/**
 * A command's exception as the user sees it: one line and exit 2 for their mistakes; else an internal error, 3.
 * `command` prefixes the errors that do not name it themselves (the protocol library's, and parseArgs' from a
 * command that does not parse through cli/args.ts). The line is escaped: it may quote a file's bytes or a name.
 */
export function reportFailure(e: unknown, command?: string): number {
  const usage = (message: string) => {
    process.stderr.write(`obf-conformance: ${printable(message.split('\n')[0], { backslashes: false })}\n`);
    return EXIT.usage;
  };
  if (e instanceof UsageError) return usage(e.message);
  if (e instanceof ProtocolError) return usage(command ? `${command}: ${e.message}` : e.message);
  const parseError = parseArgsUsageError(command, e);
  if (parseError) return usage(parseError.message);
  process.stderr.write(`obf-conformance: internal error (please report): ${e instanceof Error ? e.stack : String(e)}\n`);
  return EXIT.error;
}
