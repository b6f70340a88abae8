/**
 * Reference parties for a mixed system under test (adapters/target/target-system.ts): the roles a target file
 * does not name stay on the reference implementation, started here one by one: the Application Server, the
 * Authentication Server with its Resource Server (or with a third-party one over RPR), and per device a reference
 * card and a reference device, possibly in front of a third-party card.
 */
import { randomBytes } from 'node:crypto';
import { ReferenceDevice, ReferenceSecureElement, startApplicationServer, startAuthenticationServer, startResourceServer, type FaultName, type RunningServer } from '../../reference-impl/index.ts';
import { TracedSecureElement, type ApduTransport } from '../apdu/traced-secure-element.ts';
import type { Trace } from '../trace.ts';
import type { DeviceAdapter, SecureElementAdapter } from '../types.ts';
import type { KeySet } from '../../protocol/obf-profile.ts';
import { REFERENCE_REALM, referenceDeviceAdapter } from './reference-sut.ts';

export interface ReferenceServerChoice {
  applicationServer: boolean;
  /** Start the reference Authentication Server; with `externalRs` it asks that Resource Server over RPR instead of a reference one. */
  authenticationServer: boolean;
  externalRs?: { url: string; rprToken: string };
}

export interface StartedReferenceServers {
  applicationServer?: string;
  /** Bearer token of the reference Application Server's key import (docs/profile/http-api.md 3). */
  applicationServerAdminToken?: string;
  authenticationServer?: { url: string; adminToken: string; realm: string };
  resourceServer?: { url: string; adminToken: string };
  close(): Promise<void>;
}

export async function startReferenceServerSet(choice: ReferenceServerChoice, faultList: string[]): Promise<StartedReferenceServers> {
  const faults = new Set(faultList as FaultName[]);
  const token = () => randomBytes(24).toString('base64url');
  const running: RunningServer[] = [];
  const out: StartedReferenceServers = {
    close: async () => {
      for (const s of running.reverse()) await s.close();
    },
  };
  try {
    if (choice.applicationServer) {
      const adminToken = token();
      const as = await startApplicationServer({ faults, adminToken });
      running.push(as);
      out.applicationServer = as.url;
      out.applicationServerAdminToken = adminToken;
    }
    if (choice.authenticationServer) {
      let rs = choice.externalRs;
      if (!rs) {
        const rsAdmin = token();
        const rpr = token();
        const started = await startResourceServer({ adminToken: rsAdmin, rprToken: rpr, faults });
        running.push(started);
        out.resourceServer = { url: started.url, adminToken: rsAdmin };
        rs = { url: started.url, rprToken: rpr };
      }
      const adminToken = token();
      const auth = await startAuthenticationServer({ realm: REFERENCE_REALM, adminToken, resourceServer: { url: rs.url, token: rs.rprToken }, lifetimeSeconds: 3600, faults });
      running.push(auth);
      out.authenticationServer = { url: auth.url, adminToken, realm: REFERENCE_REALM };
    }
    return out;
  } catch (e) {
    await out.close();
    throw e;
  }
}

/** A fresh reference card personalised with these keys (decryption = downlink, encryption = uplink), as a raw APDU transport. */
export function referenceCard(p: { iccid: string; downlink: Record<number, KeySet>; uplink: Record<number, KeySet>; gba?: { impi: string; k: Uint8Array; opc: Uint8Array } }, faults: string[]): ApduTransport {
  const card = new ReferenceSecureElement({ iccid: p.iccid, decryptionKeys: p.downlink, encryptionKeys: p.uplink, ...(p.gba ? { gba: p.gba } : {}) }, new Set(faults as FaultName[]));
  return async (apdu) => card.transmit(apdu);
}

/** A fresh reference device in front of a Secure Element (reference or third-party), its APDUs traced as `device X -> SE X`. */
export function referenceDeviceOn(se: ApduTransport | SecureElementAdapter, label: string, trace: () => Trace | null, timeoutMs: number, faults: string[]): DeviceAdapter {
  const transport: ApduTransport = typeof se === 'function' ? se : async (apdu) => {
    const r = await se.transmit(apdu);
    return Uint8Array.from([...r.data, r.sw >> 8, r.sw & 0xff]);
  };
  const traced = new TracedSecureElement(transport, `device ${label} -> SE ${label}`, trace, timeoutMs);
  const device = new ReferenceDevice(async (apdu) => {
    const r = await traced.transmit(apdu);
    return Uint8Array.from([...r.data, r.sw >> 8, r.sw & 0xff]);
  }, new Set(faults as FaultName[]));
  return referenceDeviceAdapter(device, label, trace);
}
