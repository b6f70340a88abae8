/**
 * Fuzz targets of the reference card and device: the Secure Element's APDU processor (SELECT, READ BINARY,
 * UPDATE BINARY, DECRYPT DATA, ENCRYPT DATA, AUTHENTICATE in GBA context, and anything else) and the device's
 * downlink path (validateChecksum, the SE over APDUs, the command interpreter), with a real SE behind it or an
 * SE link answering garbage. Documented outcomes: the SE always answers data || SW and never 6F00 (its "internal
 * error, no precise diagnosis", which only an unexpected exception produces); the device always reports a
 * DownlinkOutcome, and with a garbage link rejects with a ProtocolError (a response APDU shorter than its SW).
 */
import fc from 'fast-check';
import { ProtocolError } from '../../protocol/errors.ts';
import { toHex, writeUint } from '../../protocol/hex.ts';
import { withLuhn } from '../../protocol/iccid.ts';
import { SW, encodeApdu, splitResponse } from '../../protocol/iso-7816.ts';
import { APDU, OBF_AID, OBF_TAR, keyIdentifierFor, profileSpi, type KeySet } from '../../protocol/obf-profile.ts';
import { GBA, encodeBootstrapCommand, encodeNafCommand } from '../../protocol/ts-31-102-gba.ts';
import { makeAuthenticationVector } from '../../protocol/ts-33-102-aka.ts';
import { encodeCommandPacket } from '../../protocol/ts-102-225.ts';
import { ReferenceDevice, ReferenceSecureElement, type SecureElementPersonalisation } from '../../reference-impl/index.ts';
import { type FuzzTarget, finding, mutated, onlyTyped, randomBytes } from './target.ts';

const ICCID = withLuhn('899100999900000001');
const IMPI = `${ICCID}@ims.fuzz.example`;
const fill = (n: number, v: number) => new Uint8Array(n).fill(v);
const KEYS: Record<number, KeySet> = {
  1: { algorithm: 'aes', kic: fill(16, 0x11), kid: fill(16, 0x12) },
  2: { algorithm: '3des-2key', kic: fill(16, 0x21), kid: fill(16, 0x22) },
  3: { algorithm: '3des-3key', kic: fill(24, 0x31), kid: fill(24, 0x32) },
};
const GBA_KEYS = { k: fill(16, 0x41), opc: fill(16, 0x42) };

export function fuzzPersonalisation(): SecureElementPersonalisation {
  return { iccid: ICCID, decryptionKeys: KEYS, encryptionKeys: KEYS, gba: { ...GBA_KEYS, impi: IMPI } };
}

/** Commands the SE accepts, made with its own keys: seeds the mutations start from. */
function validCommands(): Uint8Array[] {
  const packets = [1, 2, 3].flatMap((i) => [true, false].map((rc) => encodeCommandPacket({
    spi: profileSpi(rc), kic: keyIdentifierFor(KEYS[i].algorithm, i), kid: keyIdentifierFor(KEYS[i].algorithm, i), tar: OBF_TAR,
    cntr: writeUint(BigInt(i * 7), 5), data: new TextEncoder().encode('#ip1 10.0.0.1 9000'), keys: KEYS[i],
  })));
  const av = makeAuthenticationVector(GBA_KEYS, fill(16, 0x55), Uint8Array.of(0, 0, 0, 0, 0, 0x21), Uint8Array.of(0x80, 0));
  return [
    ...packets.map((p) => encodeApdu({ cla: APDU.CLA_PROPRIETARY, ins: APDU.INS_DECRYPT_DATA, p1: 0, p2: APDU.P2_REPLAY_CHECK, data: p, le: 0 })),
    encodeApdu({ cla: APDU.CLA_PROPRIETARY, ins: APDU.INS_ENCRYPT_DATA, p1: 1, p2: 1, data: Uint8Array.of(1, 2, 3), le: 0 }),
    encodeApdu({ cla: 0, ins: GBA.INS_AUTHENTICATE, p1: GBA.P1, p2: GBA.P2_GBA_CONTEXT, data: encodeBootstrapCommand(av.rand, av.autn), le: 0 }),
    encodeApdu({ cla: 0, ins: GBA.INS_AUTHENTICATE, p1: GBA.P1, p2: GBA.P2_GBA_CONTEXT, data: encodeNafCommand(new TextEncoder().encode('naf.example'), IMPI), le: 0 }),
    encodeApdu({ cla: 0, ins: APDU.INS_SELECT, p1: 0, p2: 0x0c, data: Uint8Array.of(0x6f, 0xd6), le: null }),
    encodeApdu({ cla: 0, ins: GBA.INS_UPDATE_BINARY, p1: 0, p2: 0, data: fill(20, 0xaa), le: null }),
    encodeApdu({ cla: 0, ins: APDU.INS_READ_BINARY, p1: 0, p2: 0, data: new Uint8Array(0), le: 0 }),
  ];
}

const SELECT_OBF = encodeApdu({ cla: 0, ins: APDU.INS_SELECT, p1: 4, p2: 0, data: OBF_AID, le: null });
const SELECT_ICCID = encodeApdu({ cla: 0, ins: APDU.INS_SELECT, p1: 0, p2: 0x0c, data: Uint8Array.of(0x2f, 0xe2), le: null });

/** An APDU built from a chosen or random header and data, with a correct or a random Lc. */
const builtApdu = fc.record({
  cla: fc.oneof(fc.constantFrom(0x00, 0x80), fc.integer({ min: 0, max: 255 })),
  ins: fc.oneof(fc.constantFrom(0xa4, 0xb0, 0xd6, 0x88, 0x5a, 0x5c), fc.integer({ min: 0, max: 255 })),
  p1: fc.oneof(fc.constantFrom(0, 1, 2, 3, 4, 15, 16, 0x81), fc.integer({ min: 0, max: 255 })),
  p2: fc.oneof(fc.constantFrom(0, 1, 0x0c, 0x84), fc.integer({ min: 0, max: 255 })),
  data: fc.uint8Array({ maxLength: 255 }),
  le: fc.option(fc.integer({ min: 0, max: 255 })),
}).map((c) => encodeApdu(c));

export const secureElementTarget: FuzzTarget = {
  name: 'reference SE APDU processor (every INS, GBA AUTHENTICATE)',
  ciRuns: 1500,
  caseTimeoutMs: 5000,
  open() {
    const seeds = validCommands();
    const apdu = fc.oneof(
      { weight: 2, arbitrary: builtApdu },
      { weight: 1, arbitrary: randomBytes(270) },
      { weight: 4, arbitrary: mutated(seeds).map((a) => withLc(a)) },
      { weight: 1, arbitrary: fc.constantFrom(...seeds, SELECT_OBF, SELECT_ICCID) },
    );
    // A short session on a fresh card: often the application or a file selected first, then 1 to 6 commands.
    const session = fc.tuple(fc.constantFrom(null, SELECT_OBF, SELECT_ICCID), fc.array(apdu, { minLength: 1, maxLength: 6 }));
    return {
      property: fc.property(session, ([first, apdus]) => {
        const se = new ReferenceSecureElement(fuzzPersonalisation());
        for (const a of first ? [first, ...apdus] : apdus) {
          const r = se.transmit(a);
          finding(r instanceof Uint8Array && r.length >= 2, () => `SE answered ${r?.length} bytes to ${toHex(a)}`);
          const { sw, data } = splitResponse(r);
          finding(sw !== SW.INTERNAL_ERROR, () => `SE internal error (6F00) on ${toHex(a)}`);
          finding(sw === SW.OK || data.length === 0, () => `SE sent data with refusal ${sw.toString(16)} to ${toHex(a)}`);
        }
      }),
    };
  },
};

/** Repair Lc after a mutation half of the time, so the command reaches the INS handlers. */
function withLc(apdu: Uint8Array): Uint8Array {
  if (apdu.length < 6 || apdu.length > 260) return apdu;
  const out = apdu.slice();
  out[4] = Math.min(255, apdu.length - 5);
  return out.length === 5 + out[4] ? out : out.slice(0, 5 + out[4]);
}

export const deviceDownlinkTarget: FuzzTarget = {
  name: 'reference device downlink path',
  ciRuns: 1000,
  caseTimeoutMs: 5000,
  open() {
    const packets = [1, 2, 3].map((i) => encodeCommandPacket({
      spi: profileSpi(true), kic: keyIdentifierFor(KEYS[i].algorithm, i), kid: keyIdentifierFor(KEYS[i].algorithm, i), tar: OBF_TAR,
      cntr: writeUint(1n, 5), data: new TextEncoder().encode(i === 1 ? '#ip1 10.0.0.1 9000' : '#ip2 host.example 1'), keys: KEYS[i], withUdh: i === 2,
    }));
    const packet = fc.oneof(
      { weight: 1, arbitrary: randomBytes(400) },
      { weight: 4, arbitrary: mutated(packets) },
      { weight: 1, arbitrary: fc.constantFrom(...packets) },
      // Valid packets around commands the interpreter must refuse (or accept) exactly.
      { weight: 2, arbitrary: fc.tuple(fc.oneof(fc.string({ maxLength: 80 }), fc.constantFrom('#ip1 ', '#ip2 a 0', '#ip1 a 65536', '#ip1 ::1 8080', '#ip3 a 1')), fc.integer({ min: 1, max: 3 })).map(([text, i]) => encodeCommandPacket({
        spi: profileSpi(true), kic: keyIdentifierFor(KEYS[i].algorithm, i), kid: keyIdentifierFor(KEYS[i].algorithm, i), tar: OBF_TAR,
        cntr: writeUint(2n, 5), data: new TextEncoder().encode(text), keys: KEYS[i],
      })) },
    );
    // The SE link: the real card, or a broken one answering random bytes (then a ProtocolError is documented).
    const link = fc.oneof({ weight: 4, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: randomBytes(40) });
    return {
      property: fc.asyncProperty(packet, link, async (bytes, garbage) => {
        const se = new ReferenceSecureElement(fuzzPersonalisation());
        const device = new ReferenceDevice(async (apdu) => (garbage ? garbage : se.transmit(apdu)));
        try {
          const outcome = await device.receiveDownlink(bytes);
          finding(typeof outcome.accepted === 'boolean' && ['checksum', 'secure-element', 'command', 'executed'].includes(outcome.stage),
            () => `device outcome outside DownlinkOutcome: ${JSON.stringify(outcome)}`);
          finding(outcome.sw !== '6F00', () => `device got SE internal error on ${toHex(bytes)}`);
          finding(outcome.accepted === (outcome.stage === 'executed'), () => `accepted=${outcome.accepted} at stage ${outcome.stage}`);
          if (outcome.accepted) {
            const s = device.snapshot();
            finding(s.commandsExecuted === 1 && (s.ip1 !== null || s.ip2 !== null), () => 'accepted command left no state');
          }
        } catch (e) {
          if (garbage === null) onlyTyped(e, [], `device.receiveDownlink(${toHex(bytes)})`);
          else onlyTyped(e, [ProtocolError], `device.receiveDownlink(${toHex(bytes)}) with SE answering ${toHex(garbage)}`);
        }
      }),
    };
  },
};


