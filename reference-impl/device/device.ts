/**
 * Reference constrained device (draft B.2.2.1): no cryptography of its own. It validates what it can of an
 * incoming packet (validateChecksum), hands it to its Secure Element over APDUs (getDecryptedDataFromSE), acts on
 * the configuration command it gets back, and has its uplink data secured by the SE (getEncryptedDataFromSE).
 */
import { encodeApdu, splitResponse, SW, describeSw } from '../../protocol/iso-7816.ts';
import { APDU, OBF_AID } from '../../protocol/obf-profile.ts';
import { ProtocolError } from '../../protocol/errors.ts';
import { COMMAND_UDH, decodeCommandPacket, stripUdh } from '../../protocol/ts-102-225.ts';
import { toHex } from '../../protocol/hex.ts';
import type { FaultSet } from '../faults.ts';

/** How the device reaches its SE: one command APDU in, the response APDU (data || SW) out. */
export type ApduLink = (apdu: Uint8Array) => Promise<Uint8Array>;

export type DownlinkStage = 'checksum' | 'secure-element' | 'command' | 'executed';

export interface DownlinkOutcome {
  accepted: boolean;
  /** Where processing stopped: 'executed' when the command was carried out. */
  stage: DownlinkStage;
  reason: string;
  /** The SE's status word, when the SE was asked. */
  sw?: string;
  command?: string;
}

export interface DeviceState {
  ip1: { host: string; port: number } | null;
  ip2: { host: string; port: number } | null;
  commandsExecuted: number;
  lastDownlink: DownlinkOutcome | null;
}

/** Largest packet the device accepts: the SE's DECRYPT DATA carries at most 255 bytes. */
const MAX_PACKET = 255;

export class ReferenceDevice {
  private readonly state: DeviceState = { ip1: null, ip2: null, commandsExecuted: 0, lastDownlink: null };

  constructor(private readonly se: ApduLink, private readonly faults: FaultSet = new Set()) {}

  snapshot(): DeviceState {
    return structuredClone(this.state);
  }

  /** B.2.2.1.1 validateChecksum, in the profile's reading: the structure the device can check without keys, and the RC when it is in clear. */
  validateChecksum(packet: Uint8Array): { ok: true } | { ok: false; reason: string } {
    const size = stripUdh(packet, COMMAND_UDH).body.length;
    if (size > MAX_PACKET) return { ok: false, reason: `packet of ${size} bytes exceeds ${MAX_PACKET}` };
    try {
      const p = decodeCommandPacket(packet);
      if (p.verified === false) return { ok: false, reason: 'RC does not match' };
      return { ok: true };
    } catch (e) {
      if (e instanceof ProtocolError) return { ok: false, reason: e.message };
      throw e;
    }
  }

  async receiveDownlink(packet: Uint8Array): Promise<DownlinkOutcome> {
    const outcome = await this.process(packet);
    this.state.lastDownlink = outcome;
    return outcome;
  }

  private async process(packet: Uint8Array): Promise<DownlinkOutcome> {
    if (!this.faults.has('device-skip-checksum')) {
      const check = this.validateChecksum(packet);
      if (!check.ok) return { accepted: false, stage: 'checksum', reason: check.reason };
    }
    const body = stripUdh(packet, COMMAND_UDH).body;
    if (body.length > MAX_PACKET) return { accepted: false, stage: 'checksum', reason: `packet of ${body.length} bytes does not fit one APDU to the SE` };
    const replay = this.faults.has('device-no-replay-request') ? 0 : APDU.P2_REPLAY_CHECK;
    const r = await this.obf(APDU.INS_DECRYPT_DATA, 0x00, replay, body);
    if (r.sw !== SW.OK) return { accepted: false, stage: 'secure-element', reason: `SE refused: ${describeSw(r.sw)}`, sw: hex4(r.sw) };
    return this.execute(Buffer.from(r.data).toString('latin1'), r.sw);
  }

  /** The profile's configuration commands: '#ip1 <host> <port>' and '#ip2 <host> <port>' (AIS 140 style). */
  private execute(text: string, sw: number): DownlinkOutcome {
    const m = /^#(ip1|ip2) (\S{1,253}) (\d{1,5})$/.exec(text);
    const port = m ? Number(m[3]) : 0;
    if (!m || port < 1 || port > 65535 || !/^[A-Za-z0-9.\-:]+$/.test(m[2])) {
      return { accepted: false, stage: 'command', reason: `not a valid configuration command: ${JSON.stringify(text.slice(0, 64))}`, sw: hex4(sw) };
    }
    this.state[m[1] as 'ip1' | 'ip2'] = { host: m[2], port };
    this.state.commandsExecuted++;
    return { accepted: true, stage: 'executed', reason: 'command executed', sw: hex4(sw), command: text };
  }

  /** B.2.2.1.3 getEncryptedDataFromSE. Throws DeviceSeError when the SE refuses. */
  async getEncryptedDataFromSE(data: Uint8Array, keyIndex: number, replayCheck: boolean): Promise<Uint8Array> {
    const r = await this.obf(APDU.INS_ENCRYPT_DATA, keyIndex, replayCheck ? APDU.P2_REPLAY_CHECK : 0, data);
    if (r.sw !== SW.OK) throw new DeviceSeError(r.sw);
    return r.data;
  }

  private async obf(ins: number, p1: number, p2: number, data: Uint8Array): Promise<{ data: Uint8Array; sw: number }> {
    // Select the OBF application before every operation: another application may share the card's basic channel.
    const s = splitResponse(await this.se(encodeApdu({ cla: 0x00, ins: APDU.INS_SELECT, p1: 0x04, p2: 0x00, data: OBF_AID, le: null })));
    if (s.sw !== SW.OK) return s;
    return splitResponse(await this.se(encodeApdu({ cla: APDU.CLA_PROPRIETARY, ins, p1, p2, data, le: 0 })));
  }
}

export class DeviceSeError extends Error {
  constructor(readonly sw: number) {
    super(`SE refused: ${describeSw(sw)}`);
    this.name = 'DeviceSeError';
  }
}

function hex4(sw: number): string {
  return toHex(Uint8Array.of(sw >> 8, sw & 0xff));
}
