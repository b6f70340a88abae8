/**
 * The plug-in point of the target file: `roles.<role>.plugin: <module path>` names a module whose default export
 * maps a vendor's own API or transport onto the role's adapter interface (adapters/types.ts), without editing the
 * harness. docs/target-file.md section 4 documents the contract; examples/plugins/ has a worked one.
 *
 * Whatever the plug-in does, the harness keeps its rules: every call has the role's timeout (no answer gives
 * Inconclusive), and an exception that is not one of the verdict classes counts as the product not answering.
 */
import { pathToFileURL } from 'node:url';
import { HarnessError, Inconclusive, NonConformance } from '../../harness/verdicts.ts';
import type { Role } from '../../harness/capabilities.ts';
import type { Trace } from '../trace.ts';
import { tracedHttp, type HttpAnswer, type HttpRequest } from '../http/traced-http.ts';

/** What a plug-in's factory receives. */
export interface PluginContext {
  role: Role;
  /** `roles.<role>.options` of the target file, as written (null when absent). */
  options: unknown;
  /** The role's timeout from the target file (PIXIT), in ms. */
  timeoutMs: number;
  /** HTTP through the harness's traced base: recorded as evidence, no answer -> Inconclusive, non-JSON -> NonConformance. */
  http(req: HttpRequest): Promise<HttpAnswer>;
  /** Add a line to the scenario's evidence. */
  note(text: string): void;
  /** Throw these: NonConformance (verdict fail) when the product answers outside the profile, Inconclusive when it does not answer. */
  verdicts: { NonConformance: typeof NonConformance; Inconclusive: typeof Inconclusive };
}

export type PluginFactory = (ctx: PluginContext) => unknown;

/** The methods each role's adapter must have (adapters/types.ts). */
export const ROLE_METHODS: Record<Role, readonly string[]> = {
  secureElement: ['transmit'],
  device: ['deliverDownlink', 'requestUplink', 'readState'],
  applicationServer: ['importKey', 'decryptData', 'encryptData', 'postRaw'],
  authenticationServer: ['rpb', 'rpo', 'registerNaf', 'transferOut'],
  resourceServer: ['grant', 'revoke', 'exportRights', 'subscriptionChange'],
};

/** Methods an adapter may offer (adapters/types.ts marks them optional): timed like the others when present. */
const OPTIONAL_METHODS: Record<Role, readonly string[]> = {
  secureElement: [],
  device: [],
  applicationServer: ['configureNaf', 'establishRpaKeys'],
  authenticationServer: ['advanceClock'],
  resourceServer: [],
};

const LINKS: Record<Role, string> = {
  secureElement: 'SE',
  device: 'device',
  applicationServer: 'AS',
  authenticationServer: 'Authentication Server',
  resourceServer: 'Resource Server',
};

/** Imports the module and checks its default export is a factory; a problem is one sentence naming the module. */
export async function loadPluginFactory(modulePath: string, role: Role): Promise<PluginFactory> {
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(modulePath).href)) as { default?: unknown };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = err.code === 'ERR_MODULE_NOT_FOUND' && err.message.includes(modulePath) ? 'no such file' : (err.message ?? String(e)).split('\n')[0];
    throw new HarnessError(`roles.${role}.plugin ${modulePath} cannot be loaded: ${why}`);
  }
  if (typeof mod.default !== 'function') throw new HarnessError(`roles.${role}.plugin ${modulePath} has no default export function (it must export default (ctx) => adapter)`);
  return mod.default as PluginFactory;
}

/** Runs the factory and wraps the adapter it returns so that every method call is timed and its errors are verdicts. */
export async function openPlugin<T extends object>(modulePath: string, role: Role, ctx: { options: unknown; timeoutMs: number; trace: () => Trace | null }): Promise<T & { close?(): Promise<void> }> {
  const factory = await loadPluginFactory(modulePath, role);
  const link = `harness -> ${LINKS[role]} (plug-in)`;
  const context: PluginContext = {
    role,
    options: ctx.options ?? null,
    timeoutMs: ctx.timeoutMs,
    http: (req) => tracedHttp(req, { timeoutMs: ctx.timeoutMs, trace: ctx.trace(), link }),
    note: (text) => ctx.trace()?.record('note', '--', link, text),
    verdicts: { NonConformance, Inconclusive },
  };
  let adapter: unknown;
  try {
    adapter = await withDeadline(Promise.resolve(factory(context)), ctx.timeoutMs * 4, `${link}: the plug-in did not open within ${ctx.timeoutMs * 4} ms`);
  } catch (e) {
    throw new HarnessError(`roles.${role}.plugin ${modulePath} failed to open: ${(e as Error).message}`);
  }
  const missing = ROLE_METHODS[role].filter((m) => typeof (adapter as Record<string, unknown> | null)?.[m] !== 'function');
  if (missing.length) throw new HarnessError(`roles.${role}.plugin ${modulePath} returned an adapter without ${missing.join(', ')} (see adapters/types.ts)`);
  return guarded(adapter as T & { close?(): Promise<void> }, role, link, ctx.timeoutMs);
}

function withDeadline<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Inconclusive(message)), ms)))]).finally(() => clearTimeout(timer));
}

const VERDICT_ERRORS = ['NonConformance', 'Inconclusive', 'NotApplicable', 'HarnessError'];

/** A proxy whose role methods each race the timeout; a plug-in's own error that is not a verdict class is reported as no usable answer. */
function guarded<T extends object>(adapter: T, role: Role, link: string, timeoutMs: number): T {
  const methods = new Set([...ROLE_METHODS[role], ...OPTIONAL_METHODS[role]]);
  return new Proxy(adapter, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof prop !== 'string' || !methods.has(prop) || typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        try {
          return await withDeadline(Promise.resolve((value as (...a: unknown[]) => unknown).apply(target, args)), timeoutMs, `${link}: ${prop} gave no answer within ${timeoutMs} ms`);
        } catch (e) {
          // By name: a plug-in may load harness/verdicts.ts through another path and get other class objects.
          if (VERDICT_ERRORS.includes((e as Error)?.name)) throw e;
          throw new Inconclusive(`${link}: ${prop} failed in the plug-in: ${(e as Error)?.message ?? String(e)}`);
        }
      };
    },
  });
}
