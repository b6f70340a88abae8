/**
 * Chooses and opens the system under test: the bundled reference implementation (optionally with faults
 * switched on), or the mix a target file describes (adapters/target/, docs/target-file.md).
 */
import { randomBytes } from 'node:crypto';
import { DataFileError, FAULTS, isFaultName, startApplicationServer, startAuthenticationServer, startResourceServer, type FaultName } from '../reference-impl/index.ts';
import { HarnessError } from '../harness/verdicts.ts';
import { ReferenceSystem, REFERENCE_REALM } from './reference/reference-sut.ts';
import type { SystemUnderTest } from './types.ts';

export interface SutConfig {
  target: 'reference';
  faults: string[];
  timeoutMs?: number;
  /** The reference servers' SQLite data file; in memory when absent. */
  data?: string;
  /** A target file (docs/target-file.md): the roles it names are third-party, the others stay on the reference. */
  targetFile?: string;
}

export function referenceFaults(): Record<string, { party: string; description: string; breaks: string }> {
  return FAULTS;
}

export async function openSystemUnderTest(config: SutConfig): Promise<SystemUnderTest> {
  const unknown = config.faults.filter((f) => !isFaultName(f));
  if (unknown.length) throw new HarnessError(`unknown reference fault '${unknown[0]}' (see 'obf-conformance faults')`);
  // Target files, PC/SC and serial are loaded on use: a run against the in-process reference needs none of them
  // (yaml, pcsc-lite and serialport are a tenth of a run's start-up).
  if (config.targetFile) {
    const [{ TargetSystem }, { loadTargetFile }] = await Promise.all([import('./target/target-system.ts'), import('./target/target-file.ts')]);
    return TargetSystem.open(loadTargetFile(config.targetFile), { faults: config.faults, timeoutMs: config.timeoutMs ?? 5000 });
  }
  // OBF_REFERENCE_TRANSPORT=pcsc,serial: the reference's cards over PC/SC, its devices on a pty (npm test runs the suite so once).
  const transport = process.env.OBF_REFERENCE_TRANSPORT ? await import('./reference/reference-transports.ts') : null;
  const transports = transport ? transport.parseReferenceTransports(process.env.OBF_REFERENCE_TRANSPORT!) : null;
  const reference = await ReferenceSystem.start({ faults: config.faults as FaultName[], timeoutMs: config.timeoutMs, data: config.data });
  if (!transport || !transports) return reference;
  return transport.ReferenceOverTransports.start(reference, transports, { faults: config.faults as FaultName[], timeoutMs: config.timeoutMs ?? 5000 });
}

// Target files (load, check, probe) for the CLI: adapters/targets.ts, a separate entry so the steps do not load them.
export type { ServeRole, ServedParty, ServeOptions } from './reference/reference-parties.ts';
export const SERVE_ROLES = ['as', 'auth', 'rs', 'se', 'device'] as const;

/** Reference parties standalone (`serve`); loaded on use, so commands without a card or a pty never load pcsc-lite. */
export async function serveReferenceParties(opts: import('./reference/reference-parties.ts').ServeOptions) {
  return (await import('./reference/reference-parties.ts')).serveReferenceParties(opts);
}

export type * from './types.ts';
/** A reference data file that cannot be used (not SQLite, another application's, missing folder): a user mistake. */
export { DataFileError };
export { Trace } from './trace.ts';
export { errorCodeOf } from './types.ts';

/**
 * The reference servers on their own, for a vendor to try the HTTP APIs by hand (docs/profile/http-api.md and
 * gba-api.md): Application Server on `port`, Authentication Server on `port + 1`, Resource Server on `port + 2`
 * (free ports when `port` is 0), with fresh credentials returned to the caller. `data`: the SQLite file the three
 * keep their state in (docs/reference-implementation.md); in memory when absent.
 */
export async function startReferenceServers(opts: { port: number; faults: string[]; data?: string }): Promise<{
  applicationServer: string; authenticationServer: string; resourceServer: string;
  tokens: { asAdmin: string; authAdmin: string; rsAdmin: string; rpr: string }; close(): Promise<void>;
}> {
  const unknown = opts.faults.filter((f) => !isFaultName(f));
  if (unknown.length) throw new HarnessError(`unknown reference fault '${unknown[0]}' (see 'obf-conformance faults')`);
  const faults = new Set(opts.faults as FaultName[]);
  const token = () => randomBytes(24).toString('base64url');
  const tokens = { asAdmin: token(), authAdmin: token(), rsAdmin: token(), rpr: token() };
  const next = (k: number) => (opts.port === 0 ? 0 : opts.port + k);
  const data = opts.data;
  // The Resource Server's scope in the data file is the realm, as for the run's first provider (reference-sut.ts).
  const rs = await startResourceServer({ port: next(2), adminToken: tokens.rsAdmin, rprToken: tokens.rpr, faults, data, dataScope: REFERENCE_REALM });
  const closers = [rs];
  try {
    const auth = await startAuthenticationServer({ port: next(1), realm: REFERENCE_REALM, adminToken: tokens.authAdmin, resourceServer: { url: rs.url, token: tokens.rpr }, lifetimeSeconds: 3600, faults, data });
    closers.push(auth);
    // The AS is also a NAF (RPA): it reaches RPO at this Authentication Server.
    const as = await startApplicationServer({ port: next(0), faults, data, adminToken: tokens.asAdmin, authenticationServerUrl: auth.url });
    closers.push(as);
    return {
      applicationServer: as.url, authenticationServer: auth.url, resourceServer: rs.url, tokens,
      close: async () => {
        for (const c of closers.reverse()) await c.close();
      },
    };
  } catch (e) {
    for (const c of closers.reverse()) await c.close();
    throw e;
  }
}
