/**
 * A Secure Element plug-in for the project's tests: a lab's card behind its own transport, here the reference card
 * personalised for `options.iccid` with the reference test keys (the keySeed of a target file), with an optional
 * fault. The reference device of the run then talks to this third-party card.
 */
import { referenceCardFor, type FaultName } from '../reference-impl/index.ts';
import type { PluginContext } from '../adapters/target/plugins.ts';
import type { SecureElementAdapter } from '../adapters/types.ts';

export default function cardPlugin(ctx: PluginContext): SecureElementAdapter {
  const { iccid, fault } = ctx.options as { iccid: string; fault?: FaultName };
  const card = referenceCardFor(iccid, fault ? [fault] : []);
  return {
    transmit: async (apdu) => {
      const r = card.transmit(apdu);
      return { data: r.slice(0, -2), sw: (r[r.length - 2] << 8) | r[r.length - 1] };
    },
  };
}
