/** Attaches each scenario's trace (APDUs, device exchanges, HTTP calls; keys masked) as evidence. */
import { After, Before, defineParameterType } from '@cucumber/cucumber';
import type { ObfWorld } from './world.ts';

defineParameterType({ name: 'replay', regexp: /and ReplayCheck|without ReplayCheck/, transformer: (s: string) => s.startsWith('and') });
defineParameterType({ name: 'direction', regexp: /up|down/, transformer: (s: string) => s as 'up' | 'down' });

Before(function (this: ObfWorld) {
  this.sut.beginScenario(this.trace);
});

After(function (this: ObfWorld) {
  if (this.trace.entries.length) this.attach(this.trace.render(), { mediaType: 'text/plain', fileName: 'evidence-trace.txt' });
});
