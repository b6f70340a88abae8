/**
 * `serve [--roles <list>]`: reference parties standalone, each printed with where it listens, until Ctrl-C. The
 * servers on loopback ports, the SE as a virtual card in vpcd's reader, the device on a pty; `reference serve`
 * is the older form for the three servers.
 */
import { parseCommandArgs } from './args.ts';
import { referenceFaults, serveReferenceParties, SERVE_ROLES, type ServedParty, type ServeRole } from '../adapters/index.ts';
import { withLuhn } from '../protocol/iccid.ts';
import { UsageError, EXIT } from './usage-error.ts';
import { listenOrExplain, serveUntilStopped } from './serve-until-stopped.ts';

const ALIASES: Record<string, ServeRole> = {
  as: 'as', applicationServer: 'as', auth: 'auth', authenticationServer: 'auth', rs: 'rs', resourceServer: 'rs',
  se: 'se', secureElement: 'se', device: 'device',
};

const DEFAULT_ICCID = withLuhn('899100999900000000');

const HELP = `Usage: obf-conformance serve [--roles <list>] [--port <n>] [--iccid <digits>] [--reader <0|1>]
                             [--reference-fault <name>]

Start reference parties on their own and keep them running until Ctrl-C (or SIGTERM), printing where each
listens, so a product can be developed against them and independent tools can talk to them:
  as      Application Server     http://127.0.0.1:<port>/obf/v1         (curl; docs/profile/http-api.md)
  auth    Authentication Server  http://127.0.0.1:<port+1>/obf/v1/auth  (docs/profile/gba-api.md; starts rs too)
  rs      Resource Server        http://127.0.0.1:<port+2>/obf/v1/rs
  se      Secure Element         a virtual card in vpcd's reader (pcscd started if needed; scriptor, opensc-tool)
  device  device                 AT commands on a pty (docs/profile/at-commands.md; socat, a terminal)
The card and the device are personalised with the reference test keys of --iccid: a target file reaches them
with parameters.devices.A: { iccid: <that ICCID>, keySeed: "obf-conformance reference test keys" }.

Options:
  --roles <list>            comma-separated, from: as, auth, rs, se, device (default: as,auth,rs)
  --port <n>                first of the three server ports (default: free ports, printed)
  --iccid <digits>          ICCID of the card and the device (default ${DEFAULT_ICCID})
  --reader <0|1>            vpcd reader for the card: 0 'Virtual PCD 00 00', 1 'Virtual PCD 00 01' (default 0)
  --reference-fault <name>  switch on a fault (see 'obf-conformance faults'); repeatable
  -h, --help                show this help`;

/** The roles and parameters a target file needs to test against the parties just started (tokens included: they are fresh). */
function targetSnippet(parties: ServedParty[], iccid: string, keySeed: string): string {
  const by = (r: ServeRole) => parties.find((p) => p.role === r);
  const detail = (p: ServedParty | undefined, key: string) => p?.details.find((d) => d.startsWith(`${key}: `))?.slice(key.length + 2) ?? '';
  const lines = ['  sut: { vendor: obf-conformance, product: reference parties, version: "serve" }', '  roles:'];
  const se = by('se');
  const device = by('device');
  if (device) lines.push(`    device: { serial: { path: ${device.where.replace(/^serial /, '')}, baudRate: 115200 } }`);
  else if (se) lines.push(`    secureElement: { reader: "${/"(.*)"/.exec(se.where)?.[1] ?? ''}" }`);
  const as = by('as');
  if (as) lines.push(`    applicationServer: { baseUrl: ${as.where}, adminToken: ${detail(as, 'admin token')} }`);
  const auth = by('auth');
  const rs = by('rs');
  if (auth && rs) {
    // provisionSubscribers: the harness gives the served server the subscriptions of the cards it simulates.
    lines.push(`    authenticationServer: { baseUrl: ${auth.where}, adminToken: ${detail(auth, 'admin token')}, realm: ${detail(auth, 'realm')}, provisionSubscribers: true }`);
    lines.push(`    resourceServer: { baseUrl: ${rs.where}, adminToken: ${detail(rs, 'admin token')} }`);
  } else if (rs) {
    lines.push(`    resourceServer: { baseUrl: ${rs.where}, adminToken: ${detail(rs, 'admin token')}, rprToken: ${detail(rs, 'RPR token')} }`);
  }
  // The reference declares everything it implements (harness/capabilities.ts REFERENCE_CAPABILITIES).
  lines.push('  capabilities: { algorithms: [aes, 3des-2key, 3des-3key], replayCheck: true, counterModes: [no-check, higher], gbaU: true, clockHook: true }');
  // The served card or device has one ICCID; cards the harness simulates get fresh ones per run.
  if (se || device) lines.push('  parameters:', '    devices:', `      A: { iccid: "${iccid}", keySeed: "${keySeed}" }`);
  return lines.join('\n');
}

export async function serveCommand(args: string[]): Promise<number> {
  const { values } = parseCommandArgs('serve', { args, options: { roles: { type: 'string' }, port: { type: 'string' }, iccid: { type: 'string' }, reader: { type: 'string' }, 'reference-fault': { type: 'string', multiple: true }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    console.log(HELP);
    return EXIT.ok;
  }
  const names = (values.roles ?? 'as,auth,rs').split(',').map((r) => r.trim()).filter(Boolean);
  if (names.length === 0) throw new UsageError(`serve: --roles is empty; give some of ${SERVE_ROLES.join(', ')}`);
  const roles = names.map((n) => {
    const r = ALIASES[n];
    if (!r) throw new UsageError(`serve: unknown role '${n}' in --roles (roles: ${SERVE_ROLES.join(', ')})`);
    return r;
  });
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65533) throw new UsageError(`serve: --port must be 0..65533, got '${values.port}'`);
  const iccid = values.iccid ?? DEFAULT_ICCID;
  if (!/^\d{18,20}$/.test(iccid) || withLuhn(iccid.slice(0, -1)) !== iccid) throw new UsageError(`serve: --iccid '${iccid}' is not 18 to 20 digits with a valid Luhn check digit`);
  const readerIndex = values.reader === undefined ? 0 : Number(values.reader);
  if (readerIndex !== 0 && readerIndex !== 1) throw new UsageError(`serve: --reader must be 0 or 1, got '${values.reader}'`);
  const faults = (values['reference-fault'] ?? []).flatMap((f) => f.split(',')).filter((f) => f.trim() !== '');
  for (const f of faults) if (!Object.hasOwn(referenceFaults(), f)) throw new UsageError(`serve: unknown reference fault '${f}' (see 'obf-conformance faults')`);
  const served = await listenOrExplain('serve', port, async () => {
    try {
      return await serveReferenceParties({ roles: [...new Set(roles)], port, faults, iccid, readerIndex });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE' || code === 'EACCES') throw e;
      // pcscd, vpcd or socat missing or busy: a set-up the user can fix, said in one line.
      throw new UsageError(`serve: cannot start ${roles.join(',')}: ${(e as Error).message.split('\n')[0]}`);
    }
  });
  console.log(`reference parties${faults.length ? ` (fault: ${faults.join(',')})` : ''}:`);
  for (const p of served.parties) {
    console.log(`  ${p.name.padEnd(22)} ${p.where}`);
    for (const d of p.details) console.log(`  ${''.padEnd(22)} ${d}`);
  }
  if (roles.includes('se') || roles.includes('device')) console.log(`test keys: derived from ICCID ${iccid} with keySeed "${served.keySeed}"`);
  console.log(`a target file reaching ${served.parties.length === 1 ? 'it' : 'them'} (docs/target-file.md):\n${targetSnippet(served.parties, iccid, served.keySeed)}`);
  await serveUntilStopped(served);
  return EXIT.ok;
}
