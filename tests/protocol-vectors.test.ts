/**
 * Known-answer tests of the secured-packet core against ../shared/vectors/scp80-command-packets.json
 * (ETSI TS 102 225 / 3GPP TS 31.115). One test per vector per direction; each title names the vector id and
 * each describe() block cites the vector's `source` field.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { fromHex, toHex } from '../protocol/hex.ts';
import { crc16X25, crc32 } from '../protocol/checksums.ts';
import { COMMAND_UDH, decodeCommandPacket, encodeCommandPacket } from '../protocol/ts-102-225.ts';
import { decodeResponsePacket, encodeResponsePacket } from '../protocol/ts-102-225-response.ts';
import { decodeKeyIdentifier, decodeSpi } from '../protocol/ts-102-225-coding.ts';
import { describePorStatus } from '../protocol/ts-102-225-counter.ts';
import { DRAFT_SAMPLE_ID, PYSIM_AES_ID, byte, keysOf, vectorById, vectors, type CommandVector } from './support/scp80-vectors.ts';

const hex = (h: string) => toHex(fromHex(h));

/** Block size of the KIc's cipher (TS 102 225: 16 for AES, 8 for the DES family). */
function blockSizeFor(kic: string): number {
  return decodeKeyIdentifier(byte(kic)).family === 'AES' ? 16 : 8;
}

/** PCNTR a ciphered command packet must carry: zeros so that CNTR(5) PCNTR(1) RC/CC data fill whole blocks. */
function expectedCommandPcntr(v: CommandVector, checkLength: number): number {
  if (!decodeSpi(fromHex(v.spi)).ciphered) return v.pcntr ?? 0;
  const bs = blockSizeFor(v.kic);
  return (bs - ((6 + checkLength + fromHex(v.data).length) % bs)) % bs;
}

/** PCNTR of a PoR: CNTR(5) PCNTR(1) status(1) RC/CC data fill whole blocks when the PoR is ciphered. */
function expectedPorPcntr(v: CommandVector, checkLength: number): number {
  if (!decodeSpi(fromHex(v.spi)).porCiphered) return 0;
  const bs = blockSizeFor(v.kic);
  return (bs - ((7 + checkLength + fromHex(v.por!.data).length) % bs)) % bs;
}

describe('TS 102 225 command packets (scp80-command-packets.json)', () => {
  test('the vector file holds the draft sample and the pysim vectors', () => {
    assert.ok(vectors.commandPackets.length >= 5);
    for (const v of vectors.commandPackets) assert.ok(v.source, `${v.id} names its source`);
  });

  for (const v of vectors.commandPackets) {
    describe(`${v.id} [source: ${v.source}]`, () => {
      test(`${v.id}: build`, () => {
        const packet = encodeCommandPacket({
          spi: fromHex(v.spi),
          kic: byte(v.kic),
          kid: byte(v.kid),
          tar: fromHex(v.tar),
          cntr: fromHex(v.cntr),
          data: fromHex(v.data),
          keys: keysOf(v),
          // The unciphered draft sample carries PCNTR 3 although nothing is ciphered; ciphered packets pad themselves.
          padding: v.pcntr,
        });
        assert.equal(toHex(packet), hex(v.packet));
      });

      test(`${v.id}: decode and verify`, () => {
        const p = decodeCommandPacket(fromHex(v.packet), keysOf(v));
        assert.equal(p.hadUdh, false);
        assert.equal(p.cpl, fromHex(v.packet).length - 2);
        assert.equal(toHex(p.spi.raw), hex(v.spi));
        assert.equal(p.kic.raw, byte(v.kic));
        assert.equal(p.kid.raw, byte(v.kid));
        assert.equal(toHex(p.tar), hex(v.tar));
        assert.ok(p.cntr, 'CNTR should be readable with the vector keys');
        assert.equal(toHex(p.cntr), hex(v.cntr));
        assert.equal(p.pcntr, expectedCommandPcntr(v, p.checkLength));
        assert.ok(p.data, 'data should be readable with the vector keys');
        assert.equal(toHex(p.data), hex(v.data));
        assert.ok(p.check && p.computedCheck);
        assert.equal(toHex(p.computedCheck), toHex(p.check));
        assert.equal(p.verified, true);
      });
    });
  }
});

describe('TS 102 225 response packets (PoR) of the pysim vectors', () => {
  for (const v of vectors.commandPackets) {
    const por = v.por;
    if (!por) continue;
    const ctx = () => ({ commandSpi: fromHex(v.spi), kic: byte(v.kic), kid: byte(v.kid), keys: keysOf(v) });
    const porSpi = decodeSpi(fromHex(v.spi));

    describe(`${v.id} PoR [source: ${v.source}]`, () => {
      test(`${v.id}: PoR build`, () => {
        const packet = encodeResponsePacket({
          ...ctx(),
          tar: fromHex(v.tar),
          cntr: fromHex(v.cntr),
          status: byte(por.status),
          data: fromHex(por.data),
        });
        assert.equal(toHex(packet), hex(por.packet));
      });

      test(`${v.id}: PoR decode and verify`, () => {
        const r = decodeResponsePacket(fromHex(por.packet), ctx());
        assert.equal(r.hadUdh, true);
        assert.equal(toHex(r.tar), hex(v.tar));
        assert.ok(r.cntr && r.data && r.check);
        assert.equal(toHex(r.cntr), hex(v.cntr), 'the PoR echoes the command counter');
        assert.equal(r.status, byte(por.status));
        assert.equal(r.statusText, describePorStatus(byte(por.status)));
        assert.equal(toHex(r.data), hex(por.data));
        if (por.cc !== undefined) assert.equal(toHex(r.check), hex(por.cc));
        const checkLength = r.rhl - 10;
        if (v.id === PYSIM_AES_ID) {
          // Vector discrepancy: the vector file says "pcntr": 20 for this PoR, but its own bytes say otherwise.
          // The ciphered part (CNTR to end) is 32 bytes = CNTR(5) PCNTR(1) status(1) CC(8) data(3) = 18 bytes
          // plus 14 padding bytes, and the deciphered PCNTR byte is 0x0E = 14; with PCNTR 14 the data is 016132
          // and the CC (34d237db461c150b) verifies. PCNTR 20 would leave less than nothing for the data. We assert
          // what the bytes say.
          assert.equal(por.pcntr, 20, 'vector file field (known to contradict the packet bytes)');
          assert.equal(r.pcntr, 14);
        }
        assert.equal(r.pcntr, expectedPorPcntr(v, checkLength));
        // PoR security follows the command SPI's second byte: verified is null when it asks for no RC/CC.
        assert.equal(r.verified, porSpi.porIntegrity === 'none' ? null : true);
      });
    });
  }

  test('PoR without its 02 71 00 header is checked as if the header preceded it', () => {
    for (const v of vectors.commandPackets) {
      if (!v.por) continue;
      const ctx = { commandSpi: fromHex(v.spi), kic: byte(v.kic), kid: byte(v.kid), keys: keysOf(v) };
      const bare = encodeResponsePacket({ ...ctx, tar: fromHex(v.tar), cntr: fromHex(v.cntr), status: byte(v.por.status), data: fromHex(v.por.data), withUdh: false });
      assert.equal(toHex(bare), hex(v.por.packet).slice(6), v.id);
      const r = decodeResponsePacket(bare, ctx);
      assert.equal(r.hadUdh, false);
      assert.equal(toHex(r.data!), hex(v.por.data), v.id);
      assert.notEqual(r.verified, false, v.id);
    }
  });
});

describe(`CRC known answers [source: ${vectors.checksums.source}]`, () => {
  test('CRC-32 (zlib) of the checksums.crc32 input', () => {
    const { input, value } = vectors.checksums.crc32;
    assert.equal(toHex(crc32(fromHex(input))), hex(value));
  });
  test('CRC-16 X.25 of the checksums.crc16X25 input', () => {
    const { input, value } = vectors.checksums.crc16X25;
    assert.equal(toHex(crc16X25(fromHex(input))), hex(value));
  });
  test('CRC of nothing', () => {
    assert.equal(toHex(crc32(new Uint8Array(0))), '00000000');
    assert.equal(toHex(crc16X25(new Uint8Array(0))), '0000');
  });
});

describe('OBF draft Appendix B.2.3 sample with and without the 02 70 00 user-data header', () => {
  const v = vectorById(DRAFT_SAMPLE_ID);
  const withUdh = (v.udh ?? '027000') + v.packet;

  test('the vector names the command-packet UDH 02 70 00', () => {
    assert.equal(hex(v.udh ?? ''), toHex(COMMAND_UDH));
  });

  test('build with withUdh prefixes 02 70 00', () => {
    const packet = encodeCommandPacket({
      spi: fromHex(v.spi), kic: byte(v.kic), kid: byte(v.kid), tar: fromHex(v.tar), cntr: fromHex(v.cntr),
      data: fromHex(v.data), padding: v.pcntr, withUdh: true,
    });
    assert.equal(toHex(packet), hex(withUdh));
  });

  test('decode with the header: same fields, hadUdh true, RC verified', () => {
    const a = decodeCommandPacket(fromHex(withUdh));
    const b = decodeCommandPacket(fromHex(v.packet));
    assert.equal(a.hadUdh, true);
    assert.equal(b.hadUdh, false);
    for (const p of [a, b]) {
      assert.equal(p.cpl, 0x28);
      assert.equal(p.chl, 0x11);
      assert.equal(p.spi.integrity, 'RC');
      assert.equal(p.spi.ciphered, false);
      assert.equal(p.spi.counter, 'none');
      assert.equal(p.spi.por, 'none');
      assert.equal(p.pcntr, 3);
      assert.equal(toHex(p.check!), '68E70C32');
      assert.equal(Buffer.from(p.data!).toString('latin1'), '#ip1 127.0.0.1 8080');
      assert.equal(p.verified, true);
    }
  });

  test('the printed RC 68E70C32 is the CRC-32 of CPL..PCNTR || data with padding (UDH not covered)', () => {
    const p = fromHex(v.packet);
    const covered = new Uint8Array([...p.subarray(0, 16), ...p.subarray(20)]);
    assert.equal(toHex(crc32(covered)), '68E70C32');
  });
});

describe(`pysim AES vector inside its SMS TPDU [source: ${vectorById(PYSIM_AES_ID).source}]`, () => {
  test('the TPDU user data is 02 70 00 followed by the packet, and decodes the same', () => {
    const v = vectorById(PYSIM_AES_ID);
    assert.ok(v.smsTpdu);
    const userData = hex('027000' + v.packet);
    assert.ok(hex(v.smsTpdu).endsWith(userData));
    const p = decodeCommandPacket(fromHex(userData), keysOf(v));
    assert.equal(p.hadUdh, true);
    assert.equal(toHex(p.data!), hex(v.data));
    assert.equal(p.verified, true);
  });
});
