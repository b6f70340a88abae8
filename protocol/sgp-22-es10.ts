/**
 * The two GSMA SGP.22 ES10 functions the OBF profile uses to change an eUICC's enabled subscription (draft 6.3.1 e:
 * "Subscriptions can be changed over the air, without changing the physical card"): ES10c.EnableProfile and
 * ES10c.GetEID, carried in STORE DATA (80 E2 91 00) to the ISD-R (SGP.22 5.7.1, 5.7.16, 5.7.20). BER-TLV; only
 * the fields the profile uses. Byte layouts: docs/profile/providers.md section 2.
 */
import { MalformedPacketError } from './errors.ts';
import { decodeIccidBcd, encodeIccidBcd } from './iccid.ts';
import { concatBytes } from './hex.ts';

/** The ISD-R's AID (SGP.22 2.2.3). */
export const ISD_R_AID = Uint8Array.from([0xa0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xff, 0xff, 0xff, 0xff, 0x89, 0x00, 0x00, 0x01, 0x00]);
/** STORE DATA header of an ES10 command that fits one APDU (SGP.22 5.7.1: P1 91 = last block, P2 00 = block 0). */
export const ES10 = { CLA: 0x80, INS_STORE_DATA: 0xe2, P1_LAST_BLOCK: 0x91, P2: 0x00 } as const;

const TAG_ENABLE_PROFILE = 0xbf31;
const TAG_GET_EID = 0xbf3e;

/** SGP.22 EnableProfileResponse.enableResult. */
export const ENABLE_RESULT = { ok: 0, iccidOrAidNotFound: 1, profileNotInDisabledState: 2, disallowedByPolicy: 3, catBusy: 5, undefinedError: 127 } as const;
export type EnableResult = keyof typeof ENABLE_RESULT;

export type Es10Command = { kind: 'enable-profile'; iccid: string; refreshFlag: boolean } | { kind: 'get-eid' };

function tlv(tag: number, value: Uint8Array): Uint8Array {
  if (value.length > 0x7f) throw new RangeError('ES10 TLV longer than 127 bytes is not used by the profile');
  const t = tag > 0xff ? [tag >> 8, tag & 0xff] : [tag];
  return Uint8Array.from([...t, value.length, ...value]);
}

interface Tlv {
  tag: number;
  value: Uint8Array;
  end: number;
}

function readTlv(bytes: Uint8Array, at: number, what: string): Tlv {
  if (at >= bytes.length) throw new MalformedPacketError(`${what}: missing TLV`, 'a TLV', 'end of data');
  let i = at;
  let tag = bytes[i++];
  if ((tag & 0x1f) === 0x1f) {
    if (i >= bytes.length) throw new MalformedPacketError(`${what}: truncated tag`, 'two tag bytes', 'one');
    tag = (tag << 8) | bytes[i++];
  }
  if (i >= bytes.length) throw new MalformedPacketError(`${what}: missing length`, 'a length byte', 'end of data');
  let len = bytes[i++];
  if (len === 0x81) {
    if (i >= bytes.length) throw new MalformedPacketError(`${what}: truncated length`, 'a length byte', 'end of data');
    len = bytes[i++];
  } else if (len > 0x80) {
    throw new MalformedPacketError(`${what}: length form ${len.toString(16)} is not used by the profile`, 'length below 256', `0x${len.toString(16)}`);
  }
  if (i + len > bytes.length) throw new MalformedPacketError(`${what}: TLV ${tag.toString(16).toUpperCase()} declares ${len} bytes, ${bytes.length - i} present`, String(len), String(bytes.length - i));
  return { tag, value: bytes.slice(i, i + len), end: i + len };
}

/** Command data of ES10c.EnableProfile by ICCID: BF31 { A0 { 5A iccid } 81 refreshFlag }. */
export function encodeEnableProfile(iccid: string, refreshFlag = true): Uint8Array {
  return tlv(TAG_ENABLE_PROFILE, concatBytes(tlv(0xa0, tlv(0x5a, encodeIccidBcd(iccid))), tlv(0x81, Uint8Array.of(refreshFlag ? 0xff : 0x00))));
}

/** Command data of ES10c.GetEID: BF3E { 5C 01 5A } (tag list asking for the EID). */
export function encodeGetEid(): Uint8Array {
  return tlv(TAG_GET_EID, tlv(0x5c, Uint8Array.of(0x5a)));
}

/** Decode the data of an ES10 STORE DATA command; throws MalformedPacketError for anything else. */
export function decodeEs10Command(data: Uint8Array): Es10Command {
  const outer = readTlv(data, 0, 'ES10 command');
  if (outer.end !== data.length) throw new MalformedPacketError('ES10 command: bytes after the command TLV', `${outer.end} bytes`, `${data.length} bytes`);
  if (outer.tag === TAG_GET_EID) return { kind: 'get-eid' };
  if (outer.tag !== TAG_ENABLE_PROFILE) throw new MalformedPacketError(`ES10 command: tag ${outer.tag.toString(16).toUpperCase()} is not supported`, 'BF31 or BF3E', outer.tag.toString(16).toUpperCase());
  const id = readTlv(outer.value, 0, 'EnableProfile profileIdentifier');
  if (id.tag !== 0xa0) throw new MalformedPacketError('EnableProfile: profileIdentifier must be tag A0', 'A0', id.tag.toString(16).toUpperCase());
  const iccidTlv = readTlv(id.value, 0, 'EnableProfile iccid');
  if (iccidTlv.tag !== 0x5a || iccidTlv.value.length !== 10) throw new MalformedPacketError('EnableProfile: the profile must be named by ICCID (5A, 10 bytes)', '5A 0A', `${iccidTlv.tag.toString(16).toUpperCase()} ${iccidTlv.value.length}`);
  const refresh = readTlv(outer.value, id.end, 'EnableProfile refreshFlag');
  if (refresh.tag !== 0x81 || refresh.value.length !== 1) throw new MalformedPacketError('EnableProfile: refreshFlag must be 81 01', '81 01', refresh.tag.toString(16).toUpperCase());
  return { kind: 'enable-profile', iccid: decodeIccidBcd(iccidTlv.value), refreshFlag: refresh.value[0] !== 0 };
}

/** EnableProfileResponse: BF31 03 80 01 <result>. */
export function encodeEnableProfileResponse(result: EnableResult): Uint8Array {
  return tlv(TAG_ENABLE_PROFILE, tlv(0x80, Uint8Array.of(ENABLE_RESULT[result])));
}

export function decodeEnableProfileResponse(data: Uint8Array): { result: EnableResult | 'unknown'; code: number } {
  const outer = readTlv(data, 0, 'EnableProfileResponse');
  if (outer.tag !== TAG_ENABLE_PROFILE) throw new MalformedPacketError('EnableProfileResponse: wrong tag', 'BF31', outer.tag.toString(16).toUpperCase());
  const r = readTlv(outer.value, 0, 'enableResult');
  if (r.tag !== 0x80 || r.value.length !== 1) throw new MalformedPacketError('EnableProfileResponse: enableResult must be 80 01', '80 01', r.tag.toString(16).toUpperCase());
  const code = r.value[0];
  const name = (Object.keys(ENABLE_RESULT) as EnableResult[]).find((k) => ENABLE_RESULT[k] === code);
  return { result: name ?? 'unknown', code };
}

/** GetEID response: BF3E 12 5A 10 <EID, 16 bytes BCD>. */
export function encodeGetEidResponse(eid: string): Uint8Array {
  if (!/^\d{32}$/.test(eid)) throw new RangeError('an EID is 32 decimal digits');
  return tlv(TAG_GET_EID, tlv(0x5a, Uint8Array.from(Buffer.from(eid, 'hex'))));
}

export function decodeGetEidResponse(data: Uint8Array): string {
  const outer = readTlv(data, 0, 'GetEID response');
  if (outer.tag !== TAG_GET_EID) throw new MalformedPacketError('GetEID response: wrong tag', 'BF3E', outer.tag.toString(16).toUpperCase());
  const eid = readTlv(outer.value, 0, 'EID');
  if (eid.tag !== 0x5a || eid.value.length !== 16) throw new MalformedPacketError('GetEID response: EID must be 5A 10', '5A 10', `${eid.tag.toString(16).toUpperCase()} ${eid.value.length}`);
  return Buffer.from(eid.value).toString('hex').toUpperCase();
}
