/** The profile's APDUs as the harness sends them (docs/profile/apdus.md), and their expected answers. */
import { encodeApdu, describeSw, SW } from '../protocol/iso-7816.ts';
import { APDU, EF_ICCID, OBF_AID } from '../protocol/obf-profile.ts';
import { decodeIccidBcd } from '../protocol/iccid.ts';
import { NonConformance } from './verdicts.ts';
import type { SecureElementAdapter } from '../adapters/types.ts';

async function expectOk(se: SecureElementAdapter, apdu: Uint8Array, what: string): Promise<Uint8Array> {
  const r = await se.transmit(apdu);
  if (r.sw !== SW.OK) throw new NonConformance(`${what} failed`, '9000', describeSw(r.sw));
  return r.data;
}

export async function selectObf(se: SecureElementAdapter): Promise<void> {
  await expectOk(se, encodeApdu({ cla: 0x00, ins: APDU.INS_SELECT, p1: 0x04, p2: 0x00, data: OBF_AID, le: null }), 'SELECT of the OBF application');
}

export async function readIccid(se: SecureElementAdapter): Promise<string> {
  await expectOk(se, encodeApdu({ cla: 0x00, ins: APDU.INS_SELECT, p1: 0x00, p2: 0x0c, data: Uint8Array.of(EF_ICCID >> 8, EF_ICCID & 0xff), le: null }), 'SELECT EF_ICCID');
  const data = await expectOk(se, encodeApdu({ cla: 0x00, ins: APDU.INS_READ_BINARY, p1: 0, p2: 0, data: new Uint8Array(0), le: 10 }), 'READ BINARY of EF_ICCID');
  return decodeIccidBcd(data);
}

export function decryptDataApdu(packet: Uint8Array, replayCheck: boolean): Uint8Array {
  return encodeApdu({ cla: APDU.CLA_PROPRIETARY, ins: APDU.INS_DECRYPT_DATA, p1: 0x00, p2: replayCheck ? APDU.P2_REPLAY_CHECK : 0, data: packet, le: 0 });
}

export function encryptDataApdu(data: Uint8Array, keyIndex: number, replayCheck: boolean): Uint8Array {
  return encodeApdu({ cla: APDU.CLA_PROPRIETARY, ins: APDU.INS_ENCRYPT_DATA, p1: keyIndex, p2: replayCheck ? APDU.P2_REPLAY_CHECK : 0, data, le: 0 });
}
