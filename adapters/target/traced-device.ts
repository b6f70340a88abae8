/** A third-party device's adapter with each exchange recorded in the scenario's trace (as the reference device's are). */
import { toHex } from '../../protocol/hex.ts';
import type { Trace } from '../trace.ts';
import type { DeviceAdapter } from '../types.ts';

export function tracedDevice(device: DeviceAdapter, label: string, traceOf: () => Trace | null): DeviceAdapter {
  const link = `harness -> device ${label}`;
  return {
    deliverDownlink: async (packet) => {
      traceOf()?.record('device', '>>', link, `downlink ${toHex(packet)}`);
      const outcome = await device.deliverDownlink(packet);
      traceOf()?.record('device', '<<', link, `${outcome.accepted ? 'accepted' : 'rejected'} at ${outcome.stage}: ${outcome.reason}`);
      return outcome;
    },
    requestUplink: async (data, keyIndex, replayCheck) => {
      traceOf()?.record('device', '>>', link, `uplink ${toHex(data)} key index ${keyIndex}${replayCheck ? ' ReplayCheck' : ''}`);
      const r = await device.requestUplink(data, keyIndex, replayCheck);
      traceOf()?.record('device', '<<', link, r.ok ? `packet ${toHex(r.packet)}` : `refused: ${r.sw} ${r.reason}`);
      return r;
    },
    readState: async () => {
      const s = await device.readState();
      traceOf()?.record('device', '<<', link, `state ${JSON.stringify(s)}`);
      return s;
    },
  };
}
