/**
 * The eUICC functions the harness drives (SGP.22 ES10c over STORE DATA to the ISD-R; docs/profile/providers.md
 * section 2): which profile is enabled decides which provider's subscription the card runs (draft 6.3.1 e).
 */
import { encodeApdu, describeSw, SW } from '../protocol/iso-7816.ts';
import { ES10, ISD_R_AID, decodeEnableProfileResponse, decodeGetEidResponse, encodeEnableProfile, encodeGetEid, type EnableResult } from '../protocol/sgp-22-es10.ts';
import { ProtocolError } from '../protocol/errors.ts';
import { NonConformance } from './verdicts.ts';
import type { SecureElementAdapter } from '../adapters/types.ts';

async function es10(se: SecureElementAdapter, data: Uint8Array, what: string): Promise<Uint8Array> {
  const select = await se.transmit(encodeApdu({ cla: 0x00, ins: 0xa4, p1: 0x04, p2: 0x00, data: ISD_R_AID, le: null }));
  if (select.sw !== SW.OK) throw new NonConformance('the eUICC did not select its ISD-R', '9000', describeSw(select.sw));
  const r = await se.transmit(encodeApdu({ cla: ES10.CLA, ins: ES10.INS_STORE_DATA, p1: ES10.P1_LAST_BLOCK, p2: ES10.P2, data, le: 0 }));
  if (r.sw !== SW.OK) throw new NonConformance(`${what} failed`, '9000', describeSw(r.sw));
  return r.data;
}

/** ES10c.EnableProfile by ICCID; the eUICC's enableResult ('ok' when the profile is now enabled). */
export async function enableProfile(se: SecureElementAdapter, iccid: string): Promise<EnableResult | 'unknown'> {
  const data = await es10(se, encodeEnableProfile(iccid, true), 'EnableProfile');
  try {
    return decodeEnableProfileResponse(data).result;
  } catch (e) {
    if (e instanceof ProtocolError) throw new NonConformance('the eUICC answered EnableProfile outside SGP.22', 'BF31 03 80 01 <result>', e.message);
    throw e;
  }
}

/** ES10c.GetEID. */
export async function readEid(se: SecureElementAdapter): Promise<string> {
  const data = await es10(se, encodeGetEid(), 'GetEID');
  try {
    return decodeGetEidResponse(data);
  } catch (e) {
    if (e instanceof ProtocolError) throw new NonConformance('the eUICC answered GetEID outside SGP.22', 'BF3E 12 5A 10 <EID>', e.message);
    throw e;
  }
}
