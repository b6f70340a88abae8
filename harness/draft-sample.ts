/**
 * The OBF draft's own sample (Appendix B.2.3.1.2, "complete enveloped message"), as reconstructed consistently in
 * ../shared/vectors/scp80-command-packets.json (id obf-appendix-b-sample): the draft's transcription drops bytes,
 * and its printed RC 68E70C32 is the CRC-32 of CPL..PCNTR followed by the data with its padding.
 */
import { fromHex } from '../protocol/hex.ts';

export const DRAFT_SAMPLE_HEX = '027000' + '00281101001515A0000300000000000368E70C32' + '23697031203132372E302E302E312038303830' + '000000';
export const DRAFT_SAMPLE_COMMAND = '#ip1 127.0.0.1 8080';

export function draftSamplePacket(): Uint8Array {
  return fromHex(DRAFT_SAMPLE_HEX);
}
