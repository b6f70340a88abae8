/**
 * The reference device (reference-impl/device) with an ApduLink to a reference SE (docs/profile/apdus.md
 * "The device's exchange"): commands are executed, checksum-stage refusals happen before the SE is asked,
 * the SE's refusals are reported with their status word, the text is checked last, and no downlink makes it throw.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DeviceSeError, ReferenceDevice, ReferenceSecureElement, type DownlinkOutcome } from '../reference-impl/index.ts';
import { referenceKeysFor } from '../adapters/reference/reference-sut.ts';
import { withLuhn } from '../protocol/iccid.ts';
import { decodeApdu } from '../protocol/iso-7816.ts';
import { APDU, OBF_AID, OBF_TAR, keyIdentifierFor, profileSpi, type KeySet } from '../protocol/obf-profile.ts';
import { encodeCommandPacket, openCommandPacket } from '../protocol/ts-102-225.ts';
import { concatBytes, fromHex, readUint, toHex, writeUint } from '../protocol/hex.ts';
import { draftSamplePacket } from '../harness/draft-sample.ts';

const ICCID = withLuhn('8991000000000000003');
const KEYS = referenceKeysFor(ICCID);
const OTHER_KEYS = referenceKeysFor(withLuhn('8991000000000000004'));
const TEXT = new TextEncoder();
const STAGES = new Set(['checksum', 'secure-element', 'command', 'executed']);

interface Rig {
  device: ReferenceDevice;
  card: ReferenceSecureElement;
  /** Every command APDU the device sent to its SE. */
  apdus: Uint8Array[];
}

function rig(): Rig {
  const card = new ReferenceSecureElement({ iccid: ICCID, decryptionKeys: KEYS.downlink, encryptionKeys: KEYS.uplink });
  const apdus: Uint8Array[] = [];
  const device = new ReferenceDevice(async (apdu) => {
    apdus.push(apdu.slice());
    return card.transmit(apdu);
  });
  return { device, card, apdus };
}

function command(text: string, o: { cntr?: bigint; index?: number; replayCheck?: boolean; keys?: KeySet; data?: Uint8Array } = {}): Uint8Array {
  const index = o.index ?? 1;
  const keys = o.keys ?? KEYS.downlink[index];
  const id = keyIdentifierFor(keys.algorithm, index);
  return encodeCommandPacket({
    spi: profileSpi(o.replayCheck ?? true),
    kic: id,
    kid: id,
    tar: OBF_TAR,
    cntr: writeUint(o.cntr ?? 1n, 5),
    data: o.data ?? TEXT.encode(text),
    keys: { kic: keys.kic, kid: keys.kid },
  });
}

/** An unciphered SPI 01 00 packet with a CRC-32 (as the draft's sample), `total` bytes long from CPL on. */
function rcPacket(total: number): Uint8Array {
  // CPL(2) CHL(1) SPI..TAR(7) CNTR(5) PCNTR(1) RC(4) = 20 bytes before the data
  return encodeCommandPacket({ spi: fromHex('0100'), kic: 0x15, kid: 0x15, tar: OBF_TAR, cntr: writeUint(1n, 5), data: new Uint8Array(total - 20).fill(0x41) });
}

async function deliver(device: ReferenceDevice, packet: Uint8Array): Promise<DownlinkOutcome> {
  const outcome = await device.receiveDownlink(packet);
  assert.equal(typeof outcome.accepted, 'boolean');
  assert.ok(STAGES.has(outcome.stage), `stage ${outcome.stage}`);
  assert.equal(typeof outcome.reason, 'string');
  assert.equal(outcome.accepted, outcome.stage === 'executed');
  return outcome;
}

describe('reference device: downlink', () => {
  test('a valid command (card\'s decryption keys, SPI 16 00, CNTR 1) is executed: ip1 set', async () => {
    const { device } = rig();
    const outcome = await deliver(device, command('#ip1 10.20.30.40 9001'));
    assert.deepEqual(outcome, { accepted: true, stage: 'executed', reason: 'command executed', sw: '9000', command: '#ip1 10.20.30.40 9001' });
    const state = device.snapshot();
    assert.deepEqual(state.ip1, { host: '10.20.30.40', port: 9001 });
    assert.equal(state.ip2, null);
    assert.equal(state.commandsExecuted, 1);
    assert.deepEqual(state.lastDownlink, outcome);
  });

  test('the device selects the OBF application, then sends DECRYPT DATA with P1 00, ReplayCheck and the packet without 02 70 00', async () => {
    const { device, apdus } = rig();
    const packet = command('#ip2 collector.example.com 443', { cntr: 1n });
    await deliver(device, concatBytes(fromHex('027000'), packet));
    assert.equal(apdus.length, 2);
    assert.equal(toHex(apdus[0]), '00A4040005' + toHex(OBF_AID));
    const d = decodeApdu(apdus[1]);
    assert.deepEqual([d.cla, d.ins, d.p1, d.p2, d.le], [0x80, APDU.INS_DECRYPT_DATA, 0x00, 0x01, 0]);
    assert.equal(toHex(d.data), toHex(packet));
    assert.deepEqual(device.snapshot().ip2, { host: 'collector.example.com', port: 443 });
  });

  test('ip1 and ip2 with key index 2 (3DES), hosts with - . :, ports 1 and 65535', async () => {
    const { device } = rig();
    assert.equal((await deliver(device, command('#ip1 my-host.example 1', { index: 2, cntr: 1n }))).stage, 'executed');
    assert.equal((await deliver(device, command('#ip2 ::1 65535', { index: 2, cntr: 2n }))).stage, 'executed');
    const s = device.snapshot();
    assert.deepEqual(s.ip1, { host: 'my-host.example', port: 1 });
    assert.deepEqual(s.ip2, { host: '::1', port: 65535 });
    assert.equal(s.commandsExecuted, 2);
  });

  test('snapshot() is a copy', async () => {
    const { device } = rig();
    await deliver(device, command('#ip1 a 1'));
    const s = device.snapshot();
    s.ip1!.port = 2;
    s.commandsExecuted = 99;
    assert.deepEqual(device.snapshot().ip1, { host: 'a', port: 1 });
    assert.equal(device.snapshot().commandsExecuted, 1);
  });
});

describe('reference device: checksum stage (validateChecksum)', () => {
  test('an SPI 01 00 packet whose RC does not match is rejected at the checksum stage without asking the SE', async () => {
    const { device, apdus } = rig();
    const sample = draftSamplePacket();
    const broken = sample.slice();
    broken[broken.length - 1] ^= 0x01; // a padding byte, covered by the RC
    const outcome = await deliver(device, broken);
    assert.equal(outcome.stage, 'checksum');
    assert.equal(outcome.accepted, false);
    assert.match(outcome.reason, /RC/);
    assert.equal(outcome.sw, undefined);
    const rcByte = sample.slice();
    rcByte[3 + 16] ^= 0xff; // first RC byte
    assert.equal((await deliver(device, rcByte)).stage, 'checksum');
    const dataByte = sample.slice(3);
    dataByte[25] ^= 0x20; // a data byte, packet without 02 70 00
    assert.equal((await deliver(device, dataByte)).stage, 'checksum');
    assert.equal(apdus.length, 0, 'the SE was never asked');
  });

  test('the intact draft sample passes the checksum and is refused by the SE (6982, insufficient security)', async () => {
    const { device } = rig();
    const outcome = await deliver(device, draftSamplePacket());
    assert.equal(outcome.stage, 'secure-element');
    assert.equal(outcome.sw, '6982');
    assert.equal(device.snapshot().commandsExecuted, 0);
  });

  test('a CPL that disagrees with the packet length is rejected at the checksum stage', async () => {
    const { device, apdus } = rig();
    const good = command('#ip1 a 1');
    for (const delta of [1, -1, 0x100, 0xff]) {
      const p = good.slice();
      const cpl = (((p[0] << 8) | p[1]) + delta) & 0xffff;
      p[0] = cpl >> 8;
      p[1] = cpl & 0xff;
      const outcome = await deliver(device, p);
      assert.equal(outcome.stage, 'checksum', `CPL ${delta}`);
      assert.match(outcome.reason, /CPL/);
    }
    assert.equal((await deliver(device, good.slice(0, -1))).stage, 'checksum', 'cut short');
    assert.equal((await deliver(device, concatBytes(good, Uint8Array.of(0)))).stage, 'checksum', 'one byte too many');
    assert.equal(apdus.length, 0);
    assert.equal((await deliver(device, good)).stage, 'executed', 'the genuine packet still works');
  });

  test('empty, tiny and structurally impossible packets are rejected at the checksum stage', async () => {
    const { device, apdus } = rig();
    for (const hex of ['', '00', '0270', '027000', '0001', '000100', '00020C00', '0002FF00']) {
      const outcome = await deliver(device, fromHex(hex));
      assert.equal(outcome.stage, 'checksum', `packet '${hex}'`);
    }
    assert.equal(apdus.length, 0);
  });

  test('a packet over 255 bytes is rejected at the checksum stage, without and with 02 70 00', async () => {
    const { device, apdus } = rig();
    const p256 = rcPacket(256);
    assert.equal(p256.length, 256);
    for (const [what, packet] of [['256 bytes', p256], ['02 70 00 + 256 bytes', concatBytes(fromHex('027000'), p256)], ['300 bytes', rcPacket(300)], ['02 70 00 + 1000 bytes', concatBytes(fromHex('027000'), rcPacket(1000))]] as const) {
      const outcome = await deliver(device, packet);
      assert.equal(outcome.accepted, false, what);
      assert.equal(outcome.stage, 'checksum', what);
      assert.match(outcome.reason, /exceeds 255|does not fit/, what);
    }
    const huge = new Uint8Array(70_000).fill(0xaa);
    assert.equal((await deliver(device, huge)).stage, 'checksum', '70000 bytes of AA');
    assert.equal((await deliver(device, concatBytes(fromHex('027000'), huge))).stage, 'checksum', '02 70 00 + 70000 bytes');
    assert.equal(apdus.length, 0, 'the SE was never asked');
  });

  test('a 255-byte packet (with or without 02 70 00) passes the length check and reaches the SE', async () => {
    const { device } = rig();
    const p255 = rcPacket(255);
    assert.equal(p255.length, 255);
    for (const packet of [p255, concatBytes(fromHex('027000'), p255)]) {
      const outcome = await deliver(device, packet);
      assert.equal(outcome.stage, 'secure-element');
      assert.equal(outcome.sw, '6982');
    }
  });
});

describe('reference device: SE and command stages', () => {
  test('a replayed command is rejected at the secure-element stage with SW 6985', async () => {
    const { device } = rig();
    const packet = command('#ip1 10.0.0.1 1000', { cntr: 1n });
    assert.equal((await deliver(device, packet)).stage, 'executed');
    const replay = await deliver(device, packet);
    assert.equal(replay.accepted, false);
    assert.equal(replay.stage, 'secure-element');
    assert.equal(replay.sw, '6985');
    assert.match(replay.reason, /6985/);
    const withUdh = await deliver(device, concatBytes(fromHex('027000'), packet));
    assert.equal(withUdh.sw, '6985', 'replay with 02 70 00');
    assert.equal(device.snapshot().commandsExecuted, 1);
  });

  test('other SE refusals are reported with their status word: wrong keys 6988, SPI 0E 00 6982, key index 3 6A88', async () => {
    const { device } = rig();
    const wrongKeys = await deliver(device, command('#ip1 evil 1', { keys: OTHER_KEYS.downlink[1] }));
    assert.deepEqual([wrongKeys.stage, wrongKeys.sw], ['secure-element', '6988']);
    const noReplayCheck = await deliver(device, command('#ip1 evil 1', { replayCheck: false }));
    assert.deepEqual([noReplayCheck.stage, noReplayCheck.sw], ['secure-element', '6982']);
    const unknownIndex = await deliver(device, command('#ip1 evil 1', { index: 3, keys: KEYS.downlink[1] }));
    assert.deepEqual([unknownIndex.stage, unknownIndex.sw], ['secure-element', '6A88']);
    assert.equal(device.snapshot().ip1, null);
  });

  test('a deciphered text that is not a configuration command is rejected at stage command, and has used up its counter', async () => {
    const { device } = rig();
    const texts = ['hello', '#ip3 10.0.0.1 80', '#ip1 10.0.0.1', '#ip1 10.0.0.1 0', '#ip1 10.0.0.1 65536', '#ip1 10.0.0.1 123456', '#ip1 bad_host 80',
      '#ip1 10.0.0.1 80 ', ' #ip1 10.0.0.1 80', '#ip1 10.0.0.1 80\n', '#IP1 10.0.0.1 80', '#ip1  10.0.0.1 80', '#ip1 h\u00e9 80'];
    let cntr = 0n;
    for (const text of texts) {
      const packet = command(text, { cntr: ++cntr });
      const outcome = await deliver(device, packet);
      assert.equal(outcome.stage, 'command', JSON.stringify(text));
      assert.equal(outcome.accepted, false);
      assert.equal(outcome.sw, '9000');
      assert.match(outcome.reason, /not a valid configuration command/);
      assert.equal((await deliver(device, packet)).sw, '6985', `${JSON.stringify(text)}: counter used up`);
    }
    const empty = await deliver(device, command('', { cntr: ++cntr, data: new Uint8Array(0) }));
    assert.equal(empty.stage, 'command', 'empty data');
    const binary = await deliver(device, command('', { cntr: ++cntr, data: Uint8Array.of(0x23, 0x00, 0xff, 0x80) }));
    assert.equal(binary.stage, 'command', 'binary data');
    assert.deepEqual(device.snapshot(), { ip1: null, ip2: null, commandsExecuted: 0, lastDownlink: binary });
  });

  test('uplink: getEncryptedDataFromSE returns a packet the uplink keys open; an unpersonalised key index throws DeviceSeError 6A88', async () => {
    const { device, apdus } = rig();
    const packet = await device.getEncryptedDataFromSE(TEXT.encode('$HLM,battery=87'), 1, true);
    const p = openCommandPacket(packet, KEYS.uplink[1]);
    assert.equal(new TextDecoder().decode(p.data), '$HLM,battery=87');
    assert.equal(readUint(p.cntr), 1n);
    assert.equal(toHex(apdus.at(-1)!.subarray(0, 4)), '805C0101');
    await assert.rejects(device.getEncryptedDataFromSE(TEXT.encode('x'), 3, true), (e: unknown) => e instanceof DeviceSeError && e.sw === 0x6a88);
    await assert.rejects(device.getEncryptedDataFromSE(new Uint8Array(0), 1, false), (e: unknown) => e instanceof DeviceSeError && e.sw === 0x6700);
  });
});

describe('reference device: never throws on a downlink (fast-check)', () => {
  test('random bytes, and mutated genuine packets with and without 02 70 00, as downlink', async () => {
    const { device } = rig();
    const genuine = [command('#ip1 10.1.1.1 1', { cntr: 50n }), command('#ip2 h 2', { index: 2, cntr: 50n }), draftSamplePacket().slice(3)];
    let executed = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ minLength: 0, maxLength: 300 }),
          fc.tuple(fc.integer({ min: 0, max: genuine.length - 1 }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 3 }), fc.integer({ min: -8, max: 8 }))
            .map(([which, edits, cut]) => {
              let p: Uint8Array = genuine[which].slice();
              for (const [at, v] of edits) p[at % p.length] = v;
              if (cut < 0) p = p.slice(0, p.length + cut);
              if (cut > 0) p = concatBytes(p, new Uint8Array(cut));
              return p;
            }),
        ),
        fc.boolean(),
        async (bytes, udh) => {
          const packet = udh ? concatBytes(fromHex('027000'), bytes) : bytes;
          const before = device.snapshot().commandsExecuted;
          let outcome: DownlinkOutcome;
          try {
            outcome = await device.receiveDownlink(packet);
          } catch (e) {
            assert.fail(`receiveDownlink(${toHex(packet)}) threw ${String((e as Error)?.stack ?? e)}`);
          }
          assert.ok(STAGES.has(outcome.stage));
          assert.equal(outcome.accepted, outcome.stage === 'executed');
          assert.equal(device.snapshot().commandsExecuted, before + (outcome.accepted ? 1 : 0));
          if (outcome.stage === 'secure-element') assert.match(outcome.sw ?? '', /^[0-9A-F]{4}$/);
          if (outcome.accepted) executed++;
        },
      ),
      { seed: 0xde01, numRuns: 2000 },
    );
    assert.ok(executed <= 2, 'at most the two genuine counters 50 can have been executed');
  });
});
