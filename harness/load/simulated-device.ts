/**
 * A simulated device for load and crash tests: an ICCID, one AES-128 uplink keyset at key index 1 and the uplink
 * counter its SE would keep, building the packets its SE would make (TS 102 225 command packet with the profile's
 * SPI 16 00: CC, ciphered, counter "higher"; draft B.2.2.2.2). It skips the APDU round trip: what is measured is
 * the Application Server. Keys are random per device and never leave this object except to be imported.
 */
import { randomBytes } from 'node:crypto';
import { OBF_TAR, keyIdentifierFor, profileSpi, type KeySet } from '../../protocol/obf-profile.ts';
import { encodeCommandPacket } from '../../protocol/ts-102-225.ts';
import { toHex, writeUint } from '../../protocol/hex.ts';
import { withLuhn } from '../../protocol/iccid.ts';

export const SIMULATED_KEY_INDEX = 1;
const KEY_ID = keyIdentifierFor('aes', SIMULATED_KEY_INDEX);
const SPI = profileSpi(true);

/** One uplink packet as sent: its counter, the data inside, and the packet in hex. */
export interface SentPacket {
  counter: bigint;
  data: string;
  packet: string;
}

export class SimulatedDevice {
  private counter = 0n;
  readonly keys: KeySet;

  constructor(readonly iccid: string) {
    this.keys = { algorithm: 'aes', kic: Uint8Array.from(randomBytes(16)), kid: Uint8Array.from(randomBytes(16)) };
  }

  /** `run` (6 digits) keeps ICCIDs of different runs apart in one data file; `index` < 10^8. */
  static iccidFor(run: number, index: number): string {
    return withLuhn(`8999${String(run % 1_000_000).padStart(6, '0')}${String(index).padStart(8, '0')}`);
  }

  /** The body of POST /obf/v1/keys for this device's keyset (the AS's decryption keys). */
  importRequest(): Record<string, unknown> {
    return { iccid: this.iccid, keyIndex: SIMULATED_KEY_INDEX, keyFunction: 'decrypt', algorithm: 'aes', kic: toHex(this.keys.kic), kid: toHex(this.keys.kid) };
  }

  /** The next packet: the counter moves on by one, as the SE's does for every packet it returns. */
  nextPacket(): SentPacket {
    this.counter++;
    const data = new TextEncoder().encode(`pos ${this.counter}`);
    const packet = encodeCommandPacket({ spi: SPI, kic: KEY_ID, kid: KEY_ID, tar: OBF_TAR, cntr: writeUint(this.counter, 5), data, keys: { kic: this.keys.kic, kid: this.keys.kid } });
    return { counter: this.counter, data: toHex(data), packet: toHex(packet) };
  }

  /** The body of POST /obf/v1/decrypt for a packet of this device. */
  decryptRequest(p: SentPacket): Record<string, unknown> {
    return { iccid: this.iccid, keyIndex: SIMULATED_KEY_INDEX, packet: p.packet };
  }
}
