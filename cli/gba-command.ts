/** `milenage` and `gba derive`: the GBA building blocks on the command line, for lab engineers debugging a bootstrap. */
import { UsageError, EXIT } from './usage-error.ts';
import { parseCommandArgs } from './args.ts';
import { fromHexExact, fromHex, toHex } from '../protocol/hex.ts';
import { computeOpc, milenage } from '../protocol/milenage.ts';
import { deriveNafKey } from '../protocol/ts-33-220.ts';

const MILENAGE_HELP = `Usage: obf-conformance milenage --k <hex> (--op <hex> | --opc <hex>) --rand <hex> --sqn <hex> --amf <hex> [--json]

Compute the 3GPP TS 35.206 MILENAGE functions for one authentication: OPc, MAC-A (f1), MAC-S (f1*),
RES (f2), CK (f3), IK (f4), AK (f5) and AK* (f5*).

Options:
  --k <hex>     subscriber key K, 16 bytes
  --op <hex>    operator variant OP, 16 bytes (OPc is derived from it), or
  --opc <hex>   OPc, 16 bytes
  --rand <hex>  RAND, 16 bytes
  --sqn <hex>   SQN, 6 bytes
  --amf <hex>   AMF, 2 bytes
  --json        print {"opc","macA","macS","res","ck","ik","ak","akStar"}
  -h, --help    show this help

Example (TS 35.208 test set 1):
  obf-conformance milenage --k 465b5ce8b199b49faa5f0a2ee238a6bc --op cdc202d5123e20f62b6d676ac72cb318 \\
    --rand 23553cbe9637a89d218ae64dae47bf35 --sqn ff9bb4d0b607 --amf b9b9`;

const DERIVE_HELP = `Usage: obf-conformance gba derive --ks <hex> --rand <hex> --impi <text> --naf-id <hex> [--gba-u] [--json]

Derive the NAF-specific key of 3GPP TS 33.220 Annex B: Ks_(ext)_NAF = HMAC-SHA-256(Ks, 01 || "gba-me" || L ||
RAND || L || IMPI || L || NAF_Id || L), or Ks_int_NAF with --gba-u ("gba-u").

Options:
  --ks <hex>      Ks = CK || IK, 32 bytes
  --rand <hex>    RAND of the bootstrap, 16 bytes
  --impi <text>   the subscriber's IMPI, as text
  --naf-id <hex>  NAF_Id = NAF FQDN || Ua protocol identifier, as hex (HTTP Digest: ...0100000002)
  --gba-u         derive Ks_int_NAF (GBA_U) instead of Ks_ext_NAF
  --json          print {"variant","key"}
  -h, --help      show this help`;

function required(values: Record<string, unknown>, names: string[], command: string): void {
  for (const n of names) if (values[n] === undefined) throw new UsageError(`${command}: --${n} is required (see --help)`);
}

export async function milenageCommand(args: string[]): Promise<number> {
  const { values } = parseCommandArgs('milenage', {
    args,
    options: { k: { type: 'string' }, op: { type: 'string' }, opc: { type: 'string' }, rand: { type: 'string' }, sqn: { type: 'string' }, amf: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    console.log(MILENAGE_HELP);
    return EXIT.ok;
  }
  required(values, ['k', 'rand', 'sqn', 'amf'], 'milenage');
  if ((values.op === undefined) === (values.opc === undefined)) throw new UsageError('milenage: give exactly one of --op and --opc');
  const k = fromHexExact(values.k!, 16, '--k');
  const opc = values.opc !== undefined ? fromHexExact(values.opc, 16, '--opc') : computeOpc(k, fromHexExact(values.op!, 16, '--op'));
  const m = milenage(k, opc, fromHexExact(values.rand!, 16, '--rand'), fromHexExact(values.sqn!, 6, '--sqn'), fromHexExact(values.amf!, 2, '--amf'));
  const out = { opc: toHex(opc), macA: toHex(m.macA), macS: toHex(m.macS), res: toHex(m.res), ck: toHex(m.ck), ik: toHex(m.ik), ak: toHex(m.ak), akStar: toHex(m.akStar) };
  if (values.json) console.log(JSON.stringify(out));
  else {
    const label: Record<string, string> = { opc: 'OPc', macA: 'MAC-A (f1)', macS: 'MAC-S (f1*)', res: 'RES (f2)', ck: 'CK (f3)', ik: 'IK (f4)', ak: 'AK (f5)', akStar: 'AK* (f5*)' };
    for (const [key, value] of Object.entries(out)) console.log(`${label[key].padEnd(12)} ${value}`);
  }
  return EXIT.ok;
}

export async function gbaDeriveCommand(args: string[]): Promise<number> {
  const { values } = parseCommandArgs('gba derive', {
    args,
    options: { ks: { type: 'string' }, rand: { type: 'string' }, impi: { type: 'string' }, 'naf-id': { type: 'string' }, 'gba-u': { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    console.log(DERIVE_HELP);
    return EXIT.ok;
  }
  required(values, ['ks', 'rand', 'impi', 'naf-id'], 'gba derive');
  const variant = values['gba-u'] ? 'gba-u' : 'gba-me';
  const key = deriveNafKey(fromHexExact(values.ks!, 32, '--ks'), fromHexExact(values.rand!, 16, '--rand'), values.impi!, fromHex(values['naf-id']!, '--naf-id'), variant);
  if (values.json) console.log(JSON.stringify({ variant, key: toHex(key) }));
  else console.log(`${variant === 'gba-u' ? 'Ks_int_NAF' : 'Ks_ext_NAF'} ${toHex(key)}`);
  return EXIT.ok;
}

export async function gbaHelpCommand(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(DERIVE_HELP);
    return EXIT.ok;
  }
  throw new UsageError(args.length ? `unknown gba command '${args[0]}' (use 'gba derive')` : "gba: give a command, 'gba derive' (see --help)");
}
