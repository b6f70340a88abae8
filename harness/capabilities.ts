/**
 * Declared capabilities (the suite's PICS, as in an ETSI test suite) and how scenarios ask for them. A scenario
 * or feature tagged `@needs-<capability>` runs only when the system under test declares that capability; otherwise
 * its verdict is not applicable, with the missing declaration as the reason (never a silent skip, never a pass).
 * docs/target-file.md lists the capabilities and the tags.
 */
import { NotApplicable, HarnessError } from './verdicts.ts';

export const ALGORITHMS = ['aes', '3des-2key', '3des-3key'] as const;
/** TS 102 225 5.1.1 counter modes: none, available but not checked, process if higher, process if one higher. */
export const COUNTER_MODES = ['none', 'no-check', 'higher', 'one-higher'] as const;
export const ROLES = ['secureElement', 'device', 'applicationServer', 'authenticationServer', 'resourceServer'] as const;
export type Role = (typeof ROLES)[number];

export interface Capabilities {
  /** Packet algorithms of the keysets (packet-profile 4). */
  algorithms: (typeof ALGORITHMS)[number][];
  /** Counter checked when ReplayCheck is requested (B.2.2.2.1 step 3, B.2 down-3 and up-3). */
  replayCheck: boolean;
  counterModes: (typeof COUNTER_MODES)[number][];
  /** GBA_U on the card with an Authentication Server (BSF) for RPB/RPO (6.4.2). */
  gbaU: boolean;
  /** Transfer of a device between providers (6.4.3). */
  providerTransfer: boolean;
  /** The Authentication Server offers the test clock hook of docs/profile/gba-api.md (key lifetime scenarios). */
  clockHook: boolean;
}

/** What the bundled reference implementation offers. */
export const REFERENCE_CAPABILITIES: Capabilities = {
  algorithms: [...ALGORITHMS],
  replayCheck: true,
  counterModes: ['no-check', 'higher'],
  gbaU: true,
  providerTransfer: true,
  clockHook: true,
};

/** The roles whose products a capability is about: when all of them stay on the reference, the reference's value holds. */
export const CAPABILITY_ROLES: Record<keyof Capabilities, readonly Role[]> = {
  algorithms: ['secureElement', 'device', 'applicationServer'],
  replayCheck: ['secureElement', 'device', 'applicationServer'],
  counterModes: ['secureElement', 'device', 'applicationServer'],
  gbaU: ['secureElement', 'device', 'authenticationServer'],
  providerTransfer: ['secureElement', 'device', 'applicationServer', 'authenticationServer', 'resourceServer'],
  clockHook: ['authenticationServer'],
};

/** The `@needs-...` tags features may carry, and the declaration each one needs. */
export const CAPABILITY_TAGS: Record<string, { needs: string; holds: (c: Capabilities) => boolean }> = {
  '@needs-aes': { needs: "algorithms to include 'aes'", holds: (c) => c.algorithms.includes('aes') },
  '@needs-3des': { needs: "algorithms to include '3des-2key' (key index 2)", holds: (c) => c.algorithms.includes('3des-2key') },
  '@needs-replay-check': { needs: "replayCheck: true with counter mode 'higher'", holds: (c) => c.replayCheck && c.counterModes.includes('higher') },
  '@needs-gba-u': { needs: 'gbaU: true', holds: (c) => c.gbaU },
  '@needs-provider-transfer': { needs: 'providerTransfer: true', holds: (c) => c.providerTransfer },
  '@needs-clock-hook': { needs: 'clockHook: true (the Authentication Server test clock)', holds: (c) => c.clockHook },
};

/**
 * The capabilities the run goes by: for a capability whose roles all stay on the reference, the reference's
 * value; otherwise what the target file declares (an undeclared capability is absent).
 */
export function effectiveCapabilities(declared: Partial<Capabilities>, thirdParty: ReadonlySet<Role>): Capabilities {
  const none: Capabilities = { algorithms: [], replayCheck: false, counterModes: [], gbaU: false, providerTransfer: false, clockHook: false };
  const out = { ...none } as Record<keyof Capabilities, unknown>;
  for (const key of Object.keys(CAPABILITY_ROLES) as (keyof Capabilities)[]) {
    const onReference = CAPABILITY_ROLES[key].every((r) => !thirdParty.has(r));
    out[key] = onReference ? REFERENCE_CAPABILITIES[key] : (declared[key] ?? none[key]);
  }
  return out as unknown as Capabilities;
}

/** Throws NotApplicable naming the first capability tag the system under test does not declare; unknown tags are a harness error. */
export function requireCapabilities(tags: readonly string[], capabilities: Capabilities): void {
  for (const tag of tags.filter((t) => t.startsWith('@needs-'))) {
    const rule = CAPABILITY_TAGS[tag];
    if (!rule) throw new HarnessError(`unknown capability tag ${tag} (known: ${Object.keys(CAPABILITY_TAGS).join(', ')})`);
    if (!rule.holds(capabilities)) throw new NotApplicable(`the scenario (${tag}) needs ${rule.needs}, which the system under test does not declare`);
  }
}
