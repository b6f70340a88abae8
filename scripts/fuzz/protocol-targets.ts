/**
 * Fuzz targets of the pure codecs (protocol/): the TS 102 225 command-packet decoder (random bytes, and mutations of
 * the shared vectors with and without their keys), command packets built from random fields and decoded back,
 * the response-packet (PoR) decoder, and the ISO 7816 APDU codec. Documented outcome: a result, or a
 * ProtocolError subclass (protocol/errors.ts) carrying what was expected and found.
 */
import fc from 'fast-check';
import { ProtocolError } from '../../protocol/errors.ts';
import { toHex } from '../../protocol/hex.ts';
import { decodeApdu, encodeApdu, splitResponse } from '../../protocol/iso-7816.ts';
import { decodeCommandPacket, encodeCommandPacket, type PacketKeys } from '../../protocol/ts-102-225.ts';
import { decodeResponsePacket, encodeResponsePacket } from '../../protocol/ts-102-225-response.ts';
import { encodeKeyIdentifier, type CounterMode } from '../../protocol/ts-102-225-coding.ts';
import { type FuzzTarget, finding, mutated, onlyTyped, randomBytes, seedPackets } from './target.ts';

const keyOf = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
/** Keys of every length a KIc/KID may name, and some it may not. */
const anyKeys: fc.Arbitrary<PacketKeys> = fc.record(
  { kic: fc.oneof(keyOf(16), keyOf(24), keyOf(32), fc.uint8Array({ maxLength: 40 })), kid: fc.oneof(keyOf(16), keyOf(24), keyOf(32), fc.uint8Array({ maxLength: 40 })) },
  { requiredKeys: [] },
);

export const packetDecoderTarget: FuzzTarget = {
  name: 'packet decoder (TS 102 225 command packets)',
  ciRuns: 3000,
  caseTimeoutMs: 5000,
  open() {
    const seeds = seedPackets();
    const input = fc.oneof(
      { weight: 2, arbitrary: fc.tuple(randomBytes(), anyKeys) },
      { weight: 5, arbitrary: fc.tuple(fc.constantFrom(...seeds), fc.boolean()).chain(([s, withKeys]) => fc.tuple(mutated([s.packet]), fc.constant(withKeys ? s.keys : {}))) },
    );
    return {
      property: fc.property(input, ([bytes, keys]) => {
        try {
          const p = decodeCommandPacket(bytes, keys);
          finding(p.data === null || p.data.length <= bytes.length, () => `decoded data longer than the packet: ${toHex(bytes)}`);
        } catch (e) {
          onlyTyped(e, [ProtocolError], `decodeCommandPacket(${toHex(bytes)})`);
        }
      }),
    };
  },
};

const spiOf = fc.record({
  integrity: fc.constantFrom('none' as const, 'RC' as const, 'CC' as const),
  ciphered: fc.boolean(),
  counter: fc.constantFrom<CounterMode>('none', 'no-check', 'higher', 'one-higher'),
});

/** Valid packets from random fields: they must decode to the same fields and verify (the encoder and decoder agree). */
export const packetRoundTripTarget: FuzzTarget = {
  name: 'packet encode -> decode round trip',
  ciRuns: 1500,
  caseTimeoutMs: 5000,
  open() {
    const input = fc.record({
      spi: spiOf,
      family: fc.constantFrom('AES', '3DES2', '3DES3'),
      keyIndex: fc.integer({ min: 0, max: 15 }),
      crc32: fc.boolean(),
      tar: keyOf(3),
      cntr: keyOf(5),
      data: fc.uint8Array({ maxLength: 220 }),
      udh: fc.boolean(),
      kic: keyOf(32),
      kid: keyOf(32),
      ccLength: fc.integer({ min: 4, max: 16 }),
    });
    return {
      property: fc.property(input, (r) => {
        const [family, variant, keyLen] = r.family === 'AES' ? (['AES', 0, 16] as const) : r.family === '3DES2' ? (['DES', 1, 16] as const) : (['DES', 2, 24] as const);
        const kic = encodeKeyIdentifier(family, variant, r.keyIndex);
        // For an RC, KID names a CRC (DES family, b4b3 00 CRC-16 / 01 CRC-32).
        const kid = r.spi.integrity === 'RC' ? encodeKeyIdentifier('DES', r.crc32 ? 1 : 0, r.keyIndex) : kic;
        const keys = { kic: r.kic.slice(0, keyLen), kid: r.kid.slice(0, keyLen) };
        const ccLength = Math.min(r.ccLength, family === 'AES' ? 16 : 8);
        const packet = encodeCommandPacket({ spi: r.spi, kic, kid, tar: r.tar, cntr: r.cntr, data: r.data, keys, ccLength, withUdh: r.udh });
        const p = decodeCommandPacket(packet, keys);
        finding(p.data !== null && toHex(p.data) === toHex(r.data), () => `data did not round-trip: ${toHex(packet)}`);
        finding(toHex(p.cntr!) === toHex(r.cntr) && toHex(p.tar) === toHex(r.tar), () => `CNTR/TAR did not round-trip: ${toHex(packet)}`);
        finding(p.verified === (r.spi.integrity === 'none' ? null : true), () => `round-tripped packet verified=${p.verified}: ${toHex(packet)}`);
        finding(p.hadUdh === r.udh, () => 'UDH did not round-trip');
      }),
    };
  },
};

export const responseDecoderTarget: FuzzTarget = {
  name: 'response packet (PoR) decoder',
  ciRuns: 2000,
  caseTimeoutMs: 5000,
  open() {
    const key = new Uint8Array(16).fill(0x42);
    // Valid PoRs for each security the command SPI's second byte can ask for, as mutation seeds.
    const seeds = [0x00, 0x01, 0x05, 0x09, 0x15, 0x19].map((b2) => {
      // An RC on the PoR needs a CRC KID (0x15: CRC-32); a CC an AES one (0x12).
      const ctx = { commandSpi: Uint8Array.of(0x16, b2), kic: 0x12, kid: ((b2 >> 2) & 3) === 1 ? 0x15 : 0x12, keys: { kic: key, kid: key } };
      return { ctx, packet: encodeResponsePacket({ ...ctx, tar: Uint8Array.of(0xa0, 0, 3), cntr: Uint8Array.of(0, 0, 0, 0, 1), status: 0, data: Uint8Array.of(1, 2, 3) }) };
    });
    const input = fc.oneof(
      fc.tuple(randomBytes(), fc.record({ commandSpi: keyOf(2), kic: fc.integer({ min: 0, max: 255 }), kid: fc.integer({ min: 0, max: 255 }), keys: anyKeys })),
      fc.constantFrom(...seeds).chain((s) => fc.tuple(mutated([s.packet]), fc.constant(s.ctx))),
    );
    return {
      property: fc.property(input, ([bytes, ctx]) => {
        try {
          decodeResponsePacket(bytes, ctx);
        } catch (e) {
          onlyTyped(e, [ProtocolError], `decodeResponsePacket(${toHex(bytes)}, SPI ${toHex(ctx.commandSpi)})`);
        }
      }),
    };
  },
};

export const apduCodecTarget: FuzzTarget = {
  name: 'APDU codec (ISO 7816-4 short APDUs)',
  ciRuns: 3000,
  caseTimeoutMs: 5000,
  open() {
    const command = fc.record({
      cla: fc.integer({ min: 0, max: 255 }), ins: fc.integer({ min: 0, max: 255 }), p1: fc.integer({ min: 0, max: 255 }), p2: fc.integer({ min: 0, max: 255 }),
      data: fc.uint8Array({ maxLength: 255 }), le: fc.option(fc.integer({ min: 0, max: 255 })),
    });
    return {
      property: fc.property(fc.oneof(randomBytes(270), command), (x) => {
        if (x instanceof Uint8Array) {
          for (const f of [decodeApdu, splitResponse]) {
            try {
              f(x);
            } catch (e) {
              onlyTyped(e, [ProtocolError], `${f.name}(${toHex(x)})`);
            }
          }
          return;
        }
        const back = decodeApdu(encodeApdu(x));
        finding(back.cla === x.cla && back.ins === x.ins && back.p1 === x.p1 && back.p2 === x.p2 && toHex(back.data) === toHex(x.data) && back.le === x.le,
          () => `APDU did not round-trip: ${JSON.stringify({ ...x, data: toHex(x.data) })}`);
      }),
    };
  },
};
