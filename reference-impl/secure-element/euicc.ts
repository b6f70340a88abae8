/**
 * The reference eUICC (draft 6.3.1 e; Appendix B's vehicle tracking unit has an eUICC as its SE): several profiles,
 * each a complete card of its own provider (its ICCID, OBF applet keys and GBA_U subscription), one enabled at a
 * time. The ISD-R answers ES10c.GetEID and ES10c.EnableProfile (SGP.22) in STORE DATA; every other APDU goes to the
 * enabled profile. Profile download (SM-DP+, ES9+/ES8+) is outside OBF: the lab loads profiles at personalisation.
 * Byte layouts: docs/profile/providers.md section 2.
 */
import { SW, decodeApdu, joinResponse, type CommandApdu } from '../../protocol/iso-7816.ts';
import { APDU } from '../../protocol/obf-profile.ts';
import { equalBytes } from '../../protocol/hex.ts';
import { ES10, ISD_R_AID, decodeEs10Command, encodeEnableProfileResponse, encodeGetEidResponse } from '../../protocol/sgp-22-es10.ts';
import { ProtocolError } from '../../protocol/errors.ts';
import type { FaultSet } from '../faults.ts';
import { ReferenceSecureElement, type SecureElementPersonalisation } from './secure-element.ts';

export interface EuiccPersonalisation {
  /** EID: 32 decimal digits (SGP.02 / SGP.22). */
  eid: string;
  /** The profiles in the order loaded; the first is enabled. */
  profiles: SecureElementPersonalisation[];
}

export class ReferenceEuicc {
  private readonly profiles = new Map<string, ReferenceSecureElement>();
  private enabled: string;
  private isdRSelected = false;

  constructor(private readonly perso: EuiccPersonalisation, private readonly faults: FaultSet = new Set()) {
    if (!/^\d{32}$/.test(perso.eid)) throw new RangeError('eUICC personalisation: the EID must be 32 decimal digits');
    if (perso.profiles.length === 0) throw new RangeError('eUICC personalisation: at least one profile');
    for (const p of perso.profiles) this.profiles.set(p.iccid, new ReferenceSecureElement(p, faults));
    this.enabled = perso.profiles[0].iccid;
  }

  get atr(): Uint8Array {
    return this.card().atr;
  }

  /** ICCID of the enabled profile. */
  enabledProfile(): string {
    return this.enabled;
  }

  private card(): ReferenceSecureElement {
    return this.profiles.get(this.enabled)!;
  }

  reset(): void {
    this.isdRSelected = false;
    this.card().reset();
  }

  /** One command APDU; answers data || SW, never throws. */
  transmit(apdu: Uint8Array): Uint8Array {
    let c: CommandApdu;
    try {
      c = decodeApdu(apdu);
    } catch {
      return joinResponse(new Uint8Array(0), SW.WRONG_LENGTH);
    }
    if (c.cla === 0x00 && c.ins === APDU.INS_SELECT && c.p1 === 0x04) {
      this.isdRSelected = equalBytes(c.data, ISD_R_AID);
      if (this.isdRSelected) return joinResponse(new Uint8Array(0), SW.OK);
    }
    if (c.cla === ES10.CLA && c.ins === ES10.INS_STORE_DATA && this.isdRSelected) return this.es10(c);
    return this.card().transmit(apdu);
  }

  private es10(c: CommandApdu): Uint8Array {
    if (c.p1 !== ES10.P1_LAST_BLOCK || c.p2 !== ES10.P2) return joinResponse(new Uint8Array(0), SW.WRONG_P1P2);
    let command;
    try {
      command = decodeEs10Command(c.data);
    } catch (e) {
      if (e instanceof ProtocolError) return joinResponse(new Uint8Array(0), SW.MALFORMED);
      return joinResponse(new Uint8Array(0), SW.INTERNAL_ERROR);
    }
    if (command.kind === 'get-eid') return joinResponse(encodeGetEidResponse(this.perso.eid), SW.OK);
    if (!this.profiles.has(command.iccid)) return joinResponse(encodeEnableProfileResponse('iccidOrAidNotFound'), SW.OK);
    if (command.iccid === this.enabled) return joinResponse(encodeEnableProfileResponse('profileNotInDisabledState'), SW.OK);
    // The fault: the eUICC reports the switch but keeps running the old subscription.
    if (!this.faults.has('se-euicc-keeps-old-profile')) {
      this.enabled = command.iccid;
      this.card().reset();
    }
    return joinResponse(encodeEnableProfileResponse('ok'), SW.OK);
  }
}
