/**
 * Every fuzzed interface, in the order `npm run fuzz` runs them. A new interface (the device's AT-line parser,
 * the target-file loader, ...) is one more line here, with its FuzzTarget module beside this one.
 */
import type { FuzzTarget } from './target.ts';
import { apduCodecTarget, packetDecoderTarget, packetRoundTripTarget, responseDecoderTarget } from './protocol-targets.ts';
import { deviceDownlinkTarget, secureElementTarget } from './reference-targets.ts';
import { cliTarget } from './cli-target.ts';
import { applicationServerTarget, authenticationServerTarget, resourceServerTarget } from './http-targets.ts';
import { atCodecTarget, targetFileTarget } from './input-targets.ts';

export const FUZZ_TARGETS: FuzzTarget[] = [
  packetDecoderTarget,
  packetRoundTripTarget,
  responseDecoderTarget,
  apduCodecTarget,
  secureElementTarget,
  deviceDownlinkTarget,
  applicationServerTarget,
  authenticationServerTarget,
  resourceServerTarget,
  cliTarget,
  atCodecTarget,
  targetFileTarget,
];
