/**
 * Switchable faults of the reference implementation. Each makes one party break one rule of the profile, so the
 * project's own tests can show that the scenarios meant to catch it fail (tests/fault-expectations.json).
 * The clean reference has none switched on.
 */

export interface FaultInfo {
  party: 'secure-element' | 'device' | 'application-server' | 'authentication-server' | 'resource-server';
  description: string;
  /** The draft clause whose rule the fault breaks. */
  breaks: string;
}

export const FAULTS = {
  'se-skip-replay-check': { party: 'secure-element', description: 'SE deciphers a command without checking its counter, even when ReplayCheck is requested', breaks: 'B.2.2.2.1 step 3; B.2 server-to-device 3' },
  'se-ignore-integrity': { party: 'secure-element', description: 'SE deciphers a command without verifying its cryptographic checksum', breaks: 'B.2 server-to-device 1 and 2' },
  'se-wrong-iccid': { party: 'secure-element', description: 'SE reports an ICCID other than its own in EF_ICCID', breaks: 'B.2.1 item 1' },
  'se-shared-direction-keys': { party: 'secure-element', description: 'SE encrypts with its decryption keyset (one keyset for both directions)', breaks: 'B.2.2.2.1 NOTE 1, B.2.2.2.2 NOTE 1' },
  'se-accept-low-security': { party: 'secure-element', description: 'SE acts on commands whose SPI lacks a CC, ciphering or a checked counter', breaks: 'B.2 server-to-device 1-4' },
  'se-no-ciphering': { party: 'secure-element', description: 'SE returns uplink data with a CC and counter but unciphered', breaks: 'B.2 device-to-server 4' },
  'se-reuse-counter': { party: 'secure-element', description: 'SE does not advance its uplink counter when ReplayCheck is not requested', breaks: 'B.2 device-to-server 4' },
  'se-accept-stale-sqn': { party: 'secure-element', description: 'SE accepts, in GBA bootstrapping, an AUTN whose SQN is not above the highest it accepted, instead of answering DC AUTS', breaks: '6.4.2 RPB; TS 33.102 6.3.3 (SQN freshness)' },
  'se-ignore-autn-mac': { party: 'secure-element', description: 'SE runs GBA bootstrapping without verifying the MAC-A in AUTN, instead of answering 98 62', breaks: '6.4.2 RPB; TS 33.102 6.3.3 (network authentication)' },
  'se-export-ks': { party: 'secure-element', description: 'SE answers GBA NAF derivation with Ks (CK || IK) instead of Ks_ext_NAF', breaks: '6.4.2 RPB; TS 33.220 4.5.2 and G.2 (Ks stays on the UICC; only Ks_ext_NAF leaves it)' },
  'se-naf-id-ignored': { party: 'secure-element', description: 'SE derives the same NAF key whatever NAF_Id it is given', breaks: '6.1 (key material restricted to one Application Server); TS 33.220 4.5.2 (Ks_NAF bound to NAF_Id)' },
  'se-rpa-key-exposed': { party: 'secure-element', description: 'SE answers INSTALL RPA KEYSET with the Ks_int_NAF it derived', breaks: '6.4.2 RPA; TS 33.220 5.3.2 (GBA_U: Ks_int_NAF never leaves the UICC)' },
  'se-rpa-keyset-kept': { party: 'secure-element', description: 'SE keeps the RPA keysets derived from the old Ks after a new GBA bootstrap', breaks: '6.4.2 RPA; 6.1 (key material lives as long as the bootstrap it comes from); TS 33.220 4.5.2' },
  'se-gbabp-stale': { party: 'secure-element', description: 'SE leaves EF_GBABP unchanged at a GBA bootstrap instead of storing the new RAND', breaks: '6.4.2 RPB; TS 33.220 G.1, TS 31.102 4.2.79 (EF_GBABP holds the RAND of the last bootstrap)' },
  'se-accept-unsigned-provider-key': { party: 'secure-element', description: 'SE stores a new authentication provider\'s keys from a transfer statement without verifying the current provider\'s signature', breaks: '6.4.3 a (B\'s public key stored only after validating it with A\'s public key)' },
  'se-accept-replayed-transfer': { party: 'secure-element', description: 'SE accepts a transfer statement whose sequence number is not above the last it accepted', breaks: '6.4.3 a (profile: a transfer statement is accepted once)' },
  'se-accept-other-se-transfer': { party: 'secure-element', description: 'SE accepts a transfer statement made for another SE (other ICCID or SE public key)', breaks: '6.4.3 a (profile: a statement names the SE it transfers)' },
  'se-transfer-keeps-old-key': { party: 'secure-element', description: 'SE records the new provider after a transfer but keeps authenticating with the old subscription key', breaks: '6.4.3 a; 6.3.1 c (the old provider\'s keys stop working, the device bootstraps with B)' },
  'device-skip-checksum': { party: 'device', description: 'Device passes incoming data to the SE without validating its checksum and structure', breaks: 'B.2.2.1.1' },
  'device-no-replay-request': { party: 'device', description: 'Device asks the SE to decrypt commands without requesting the ReplayCheck', breaks: 'B.2.2.1.2 (Trust / no replay attack)' },
  'as-skip-replay-check': { party: 'application-server', description: 'Application Server accepts a counter it has already seen', breaks: 'B.2 device-to-server 3' },
  'as-ignore-integrity': { party: 'application-server', description: 'Application Server deciphers uplink data without verifying its cryptographic checksum', breaks: 'B.2 device-to-server 2' },
  'as-accept-wrong-iccid': { party: 'application-server', description: 'Application Server, when the claimed device is unknown or its key fails, accepts the packet if another device\'s key verifies it', breaks: 'B.2.2.3.2; B.2 device-to-server 1' },
  'as-shared-direction-keys': { party: 'application-server', description: 'Application Server keeps one keyset per key index for both key functions (the last import wins)', breaks: 'B.2.2.3.1; B.2.2.2.1 NOTE 1' },
  'as-accept-low-security': { party: 'application-server', description: 'Application Server decrypts uplink packets whose SPI lacks a CC, ciphering or a checked counter', breaks: 'B.2 device-to-server 1-4' },
  'as-no-ciphering': { party: 'application-server', description: 'Application Server sends commands with a CC and counter but unciphered', breaks: 'B.2 server-to-device 4' },
  'as-reuse-counter': { party: 'application-server', description: 'Application Server does not advance its downlink counter when ReplayCheck is not requested', breaks: 'B.2 server-to-device 4' },
  'as-ignore-key-index': { party: 'application-server', description: 'Application Server decrypts with the key index inside the packet, ignoring the key index it was asked to use', breaks: 'B.2.2.3.2' },
  'as-accept-invalid-iccid': { party: 'application-server', description: 'Application Server accepts an ICCID whose Luhn check digit is wrong', breaks: 'B.2.1 item 1; B.2.2.3.1' },
  'as-rpa-iccid-unchecked': { party: 'application-server', description: 'Application Server sets up RPA keys for the ICCID it is given without checking that the B-TID is that device\'s', breaks: '6.4.2 RPA, RPO; B.2 device-to-server 1 (the device is identified correctly)' },
  'as-rpa-any-naf-keyset': { party: 'application-server', description: 'Application Server, when an RPA packet does not verify, accepts it if any other RPA keyset it holds for the device (another NAF_Id) verifies it', breaks: '6.1, 6.3.1 h (key material restricted to one Application Server); 6.4.2 RPA' },
  'auth-accept-any-res': { party: 'authentication-server', description: 'Authentication Server completes a bootstrap whatever RES the Digest AKA response was computed with', breaks: '6.4.2 RPB (mutual authentication); 3.2 vii' },
  'auth-no-server-proof': { party: 'authentication-server', description: 'Authentication Server answers a bootstrap with an rspauth that does not prove knowledge of RES', breaks: '3.2 vii (RPB: mutual authentication); RFC 2617 3.2.3' },
  'auth-ignore-sqn-resync': { party: 'authentication-server', description: 'Authentication Server answers a valid AUTS with a challenge built on its old SQN, without resynchronising', breaks: '6.4.2 RPB (the SE bootstraps the session keys); 3.2 vii' },
  'auth-rpo-ignore-rights': { party: 'authentication-server', description: 'Authentication Server hands out Ks_NAF even when the Resource Server grants the NAF no rights for the device', breaks: '6.1 (key material restricted to an Application Server by the rights in the Resource Server); 6.4.2 RPR, RPO' },
  'auth-ignore-lifetime': { party: 'authentication-server', description: 'Authentication Server hands out Ks_NAF for a bootstrap whose lifetime has expired', breaks: '6.1 (lifetime of the key material set by the Authentication Server\'s policy); 6.4.2 RPO' },
  'auth-rpo-any-naf': { party: 'authentication-server', description: 'Authentication Server gives any registered Application Server the key of the NAF_Id it asks for, not only its own', breaks: '6.1 (key material restricted to a specific Application Server); 6.4.2 RPO' },
  'auth-rpo-any-btid': { party: 'authentication-server', description: 'Authentication Server answers an unknown B-TID with the key of its latest bootstrap', breaks: '6.4.2 RPO; TS 33.220 4.5.3 (key material only for the B-TID presented)' },
  'auth-int-naf-as-ext': { party: 'authentication-server', description: 'Authentication Server answers RPO with Ks_ext_NAF in the place of Ks_int_NAF', breaks: '6.4.2 RPO, RPA; TS 33.220 5.3.2 and 4.5.2 (Ks_int_NAF is derived with "gba-u")' },
  'auth-sign-unknown-provider': { party: 'authentication-server', description: 'Authentication Server signs a transfer to any provider keys the request names, without a business agreement', breaks: '6.4.3 a (the transfer is managed by business agreement between the SE owner and providers A and B)' },
  'auth-accept-unsigned-transfer': { party: 'authentication-server', description: 'Authentication Server takes over a subscription from a transfer statement no partner signed', breaks: '6.4.3 a (the transfer is validated with A\'s signature)' },
  'rs-ignore-revocation': { party: 'resource-server', description: 'Resource Server acknowledges a revocation but keeps granting the rights', breaks: '6.1; 6.3.1 h (a revoked beneficiary keeps its key); 6.4.2 RPR' },
  'se-euicc-keeps-old-profile': { party: 'secure-element', description: 'eUICC answers EnableProfile with ok but keeps running the previously enabled subscription', breaks: '6.3.1 a, b, e (subscriptions change over the air; the device then uses the new provider)' },
  'auth-serve-after-transfer': { party: 'authentication-server', description: 'Authentication Server keeps bootstrapping a subscription, and serving its keys, after the owner transferred it to another provider', breaks: '6.3.1 c (after the transfer the old provider\'s keys stop working)' },
  'auth-rpo-ignore-data-class': { party: 'authentication-server', description: 'Authentication Server hands key material for a data class the Resource Server did not grant the Application Server', breaks: '6.3.1 f (each beneficiary controls only its part of the device data)' },
  'auth-operator-domain-nafs-only': { party: 'authentication-server', description: 'Authentication Server registers only Application Servers whose FQDN is inside its own domain', breaks: '6.3.1 g (applications outside the provider\'s domain use OBF)' },
  'rs-change-not-forwarded': { party: 'resource-server', description: 'Resource Server records a subscription change but tells no Application Server', breaks: '6.3.1 e (M2MSPs and ASPs are forwarded the new Authentication Server)' },
  'rs-change-told-to-all': { party: 'resource-server', description: 'Resource Server tells a subscription change to every Application Server it knows, including those without rights over the device', breaks: '6.3.1 e, h (only the device\'s beneficiaries learn of it)' },
  'rs-revoke-all-nafs': { party: 'resource-server', description: 'Resource Server, revoking one Application Server\'s rights over a device, revokes every Application Server\'s', breaks: '6.3.1 h (one beneficiary\'s revocation leaves the others working)' },
} as const satisfies Record<string, FaultInfo>;

export type FaultName = keyof typeof FAULTS;

export function isFaultName(name: string): name is FaultName {
  return Object.hasOwn(FAULTS, name);
}

export type FaultSet = ReadonlySet<FaultName>;
