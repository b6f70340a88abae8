/** `packet decode` and `packet encode`: the secured-packet core on the command line (TS 102 225). */
import { UsageError, EXIT } from './usage-error.ts';
import { parseCommandArgs } from './args.ts';
import { fromHex, fromHexExact, toHex } from '../protocol/hex.ts';
import { decodeCommandPacket, encodeCommandPacket, type CommandPacket, type PacketKeys } from '../protocol/ts-102-225.ts';
import { decodeSpi, describeKeyIdentifier } from '../protocol/ts-102-225-coding.ts';
import { DecipherError } from '../protocol/errors.ts';

const DECODE_HELP = `Usage: obf-conformance packet decode <hex> [--kic-key <hex>] [--kid-key <hex>] [--json]

Decode an ETSI TS 102 225 secured command packet, given from CPL on, with or without the
SMS user-data header 02 70 00. With keys, decipher it and verify its RC/CC.

Options:
  --kic-key <hex>  ciphering key (AES 16/24/32 bytes, triple DES 16 or 24 bytes)
  --kid-key <hex>  integrity key for a cryptographic checksum (CC)
  --json           print one JSON object: spi, kic, kid, tar, cntr, pcntr, data, verified, ...
  -h, --help       show this help

'verified' is true or false once the RC/CC could be computed, null when the packet has no
check or its key was not given. Exit codes: 0 decoded (and verified, if checked),
1 the RC/CC does not match, 2 bad input (one line on stderr).

Example (the OBF draft's Appendix B.2.3 sample):
  obf-conformance packet decode 027000 00281101001515A0000300000000000368E70C32\\
23697031203132372E302E302E312038303830000000`;

const ENCODE_HELP = `Usage: obf-conformance packet encode --spi <hex> --kic <hex> --kid <hex> --tar <hex>
                                     --cntr <hex> --data <hex> [--kic-key <hex>] [--kid-key <hex>]
                                     [--padding <n>] [--udh] [--json]

Build an ETSI TS 102 225 secured command packet and print it from CPL on.

Options:
  --spi <hex>      2 bytes, e.g. 1600 (CC, ciphered, counter must be higher, no PoR: the OBF profile's)
  --kic <hex>      1 byte: ciphering algorithm (b4..b1) and key index (b8..b5), e.g. 12 = AES key 1
  --kid <hex>      1 byte: RC/CC algorithm and key index, e.g. 12 = AES-CMAC key 1, 15 = CRC-32
  --tar <hex>      3 bytes: toolkit application reference
  --cntr <hex>     5 bytes: counter
  --data <hex>     the secured data
  --kic-key <hex>  ciphering key (needed when the SPI asks for ciphering)
  --kid-key <hex>  CC key (needed when the SPI asks for a CC)
  --padding <n>    padding bytes for an unciphered packet (ciphered ones are padded to whole blocks)
  --udh            prefix the SMS user-data header 02 70 00
  --json           print {"packet": "<hex>"}
  -h, --help       show this help`;

function keysFrom(values: { 'kic-key'?: string; 'kid-key'?: string }): PacketKeys {
  return {
    kic: values['kic-key'] !== undefined ? fromHex(values['kic-key'], '--kic-key') : undefined,
    kid: values['kid-key'] !== undefined ? fromHex(values['kid-key'], '--kid-key') : undefined,
  };
}

export function packetToJson(p: CommandPacket): Record<string, unknown> {
  const hex = (b: Uint8Array | null) => (b === null ? null : toHex(b));
  return {
    udh: p.hadUdh,
    cpl: p.cpl,
    chl: p.chl,
    spi: toHex(p.spi.raw),
    spiDecoded: {
      integrity: p.spi.integrity, ciphered: p.spi.ciphered, counter: p.spi.counter, por: p.spi.por,
      porIntegrity: p.spi.porIntegrity, porCiphered: p.spi.porCiphered, porVia: p.spi.porVia,
    },
    kic: toHex(Uint8Array.of(p.kic.raw)),
    kicDecoded: describeKeyIdentifier(p.kic, 'KIc', p.spi.integrity),
    kid: toHex(Uint8Array.of(p.kid.raw)),
    kidDecoded: describeKeyIdentifier(p.kid, 'KID', p.spi.integrity),
    tar: toHex(p.tar),
    cntr: hex(p.cntr),
    pcntr: p.pcntr,
    check: hex(p.check),
    computedCheck: hex(p.computedCheck),
    data: hex(p.data),
    dataText: p.data && isPrintable(p.data) ? Buffer.from(p.data).toString('latin1') : null,
    verified: p.verified,
  };
}

function isPrintable(b: Uint8Array): boolean {
  return b.length > 0 && b.every((c) => c >= 0x20 && c < 0x7f);
}

function printHuman(p: CommandPacket, decipherFailed = false): void {
  const j = packetToJson(p);
  const d = p.spi;
  const lines = [
    ['UDH', p.hadUdh ? '02 70 00 (command packet)' : '(none)'],
    ['CPL', `${p.cpl}`],
    ['CHL', `${p.chl} (RC/CC/DS: ${p.checkLength} bytes)`],
    ['SPI', `${j.spi}: integrity ${d.integrity}, ${d.ciphered ? 'ciphered' : 'not ciphered'}, counter ${d.counter}; PoR ${d.por}` +
      (d.por !== 'none' ? ` (${d.porIntegrity}, ${d.porCiphered ? 'ciphered' : 'clear'}, via ${d.porVia})` : '')],
    ['KIc', `${j.kic}: ${j.kicDecoded}`],
    ['KID', `${j.kid}: ${j.kidDecoded}`],
    ['TAR', `${j.tar}`],
    ['CNTR', `${j.cntr ?? (decipherFailed ? '(not deciphered)' : '(ciphered: give --kic-key)')}`],
    ['PCNTR', `${j.pcntr ?? '(ciphered)'}`],
    [p.spi.integrity === 'CC' ? 'CC' : 'RC', `${j.check ?? '(ciphered)'}`],
    ['data', `${j.data ?? '(ciphered)'}${j.dataText ? `  "${j.dataText}"` : ''}`],
    ['verified', p.verified === null ? 'not checked (no check in the SPI, or no key given)' : p.verified ? 'yes' : decipherFailed ? 'NO: the packet does not decipher with this KIc key (wrong key?)' : `NO: computed ${j.computedCheck}`],
  ];
  for (const [k, v] of lines) console.log(`${k.padEnd(9)}${v}`);
}

export async function packetDecodeCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('packet decode', {
    args,
    allowPositionals: true,
    options: { 'kic-key': { type: 'string' }, 'kid-key': { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    console.log(DECODE_HELP);
    return EXIT.ok;
  }
  // An empty argument ("" from an unset shell variable) is a missing packet, not a packet of 0 bytes.
  if (positionals.join('').trim() === '') throw new UsageError('packet decode: give the packet (hex), from CPL on (see --help)');
  const bytes = fromHex(positionals.join(''), 'packet');
  const keys = keysFrom(values);
  let packet: CommandPacket;
  let decipherError: string | null = null;
  try {
    packet = decodeCommandPacket(bytes, keys);
  } catch (e) {
    if (!(e instanceof DecipherError)) throw e;
    // A wrong KIc key garbles the deciphered PCNTR: that is a failed verification (exit 1), not bad input.
    packet = { ...decodeCommandPacket(bytes), verified: false };
    decipherError = e.message;
  }
  if (values.json) console.log(JSON.stringify({ ...packetToJson(packet), ...(decipherError ? { error: decipherError } : {}) }));
  else {
    printHuman(packet, decipherError !== null);
    if (decipherError) console.log(`         (${decipherError})`);
  }
  return packet.verified === false ? EXIT.failed : EXIT.ok;
}

export async function packetEncodeCommand(args: string[]): Promise<number> {
  const { values } = parseCommandArgs('packet encode', {
    args,
    options: {
      spi: { type: 'string' }, kic: { type: 'string' }, kid: { type: 'string' }, tar: { type: 'string' },
      cntr: { type: 'string' }, data: { type: 'string' }, 'kic-key': { type: 'string' }, 'kid-key': { type: 'string' },
      padding: { type: 'string' }, udh: { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(ENCODE_HELP);
    return EXIT.ok;
  }
  for (const name of ['spi', 'kic', 'kid', 'tar', 'cntr', 'data'] as const) {
    if (values[name] === undefined) throw new UsageError(`packet encode: --${name} is required (see --help)`);
  }
  let padding: number | undefined;
  if (values.padding !== undefined) {
    padding = Number(values.padding);
    if (!Number.isInteger(padding) || padding < 0 || padding > 255) throw new UsageError(`packet encode: --padding must be 0..255, got '${values.padding}'`);
  }
  const spi = fromHexExact(values.spi!, 2, '--spi');
  const decodedSpi = decodeSpi(spi);
  if (padding !== undefined && decodedSpi.ciphered) throw new UsageError('packet encode: --padding applies to unciphered packets only; a ciphered packet is padded to whole cipher blocks');
  if (values['kic-key'] !== undefined && !decodedSpi.ciphered) throw new UsageError('packet encode: --kic-key given, but the SPI asks for no ciphering');
  if (values['kid-key'] !== undefined && decodedSpi.integrity !== 'CC') throw new UsageError(`packet encode: --kid-key given, but the SPI asks for ${decodedSpi.integrity === 'RC' ? 'an RC (no key)' : 'no cryptographic checksum'}`);
  let packet: Uint8Array;
  try {
    packet = encodeCommandPacket({
      spi,
      kic: fromHexExact(values.kic!, 1, '--kic')[0],
      kid: fromHexExact(values.kid!, 1, '--kid')[0],
      tar: fromHexExact(values.tar!, 3, '--tar'),
      cntr: fromHexExact(values.cntr!, 5, '--cntr'),
      data: fromHex(values.data!, '--data'),
      keys: keysFrom(values),
      padding,
      withUdh: values.udh,
    });
  } catch (e) {
    if (e instanceof RangeError) throw new UsageError(`packet encode: ${e.message}`);
    throw e;
  }
  console.log(values.json ? JSON.stringify({ packet: toHex(packet) }) : toHex(packet));
  return EXIT.ok;
}

export async function packetHelpCommand(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    console.log('Usage: obf-conformance packet <decode|encode> [options]   (see packet decode --help, packet encode --help)');
    return EXIT.ok;
  }
  throw new UsageError(args.length ? `unknown packet command '${args[0]}' (use 'packet decode' or 'packet encode')` : "packet: give a command, 'packet decode' or 'packet encode' (see --help)");
}
