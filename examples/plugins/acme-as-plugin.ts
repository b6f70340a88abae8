/**
 * Example plug-in (docs/target-file.md section 4): maps the "Acme IoT Hub" API, a vendor's own Application
 * Server API that is not the profile's, onto the harness's ApplicationServerAdapter. A lab names it in its target
 * file and the suite runs unchanged:
 *
 *   roles:
 *     applicationServer:
 *       plugin: ../plugins/acme-as-plugin.ts     # relative to the target file
 *       options: { baseUrl: "http://hub.acme.example/api/v2", apiKey: "..." }
 *
 * The Acme API (fictional, deliberately unlike the profile's):
 *   PUT  /devices/{iccid}/keysets/{keyIndex}/{up|down}  {"cipher":"AES"|"TDES2"|"TDES3","enc":hex,"mac":hex} -> 204
 *   POST /devices/{iccid}/uplink                          {"slot":n,"blob":hex}          -> 200 {"payload":hex,"seq":hex}
 *   POST /devices/{iccid}/downlink                        {"slot":n,"payload":hex,"antiReplay":bool} -> 200 {"blob":hex}
 *   refusals: 4xx {"fault":{"id":"<profile error code>","text":"..."}}
 *
 * The factory receives the harness context: ctx.http (traced, timed: no answer -> Inconclusive, not JSON ->
 * NonConformance), ctx.options (from the target file), ctx.verdicts (the verdict classes to throw).
 */
import type { ApplicationServerAdapter, AsResult, ImportKeyRequest } from '../../adapters/types.ts';
import type { PluginContext } from '../../adapters/target/plugins.ts';

const CIPHERS = { aes: 'AES', '3des-2key': 'TDES2', '3des-3key': 'TDES3' } as const;

export default function acmeApplicationServer(ctx: PluginContext): ApplicationServerAdapter {
  const { baseUrl, apiKey } = (ctx.options ?? {}) as { baseUrl?: string; apiKey?: string };
  if (!baseUrl || !apiKey) throw new Error('options.baseUrl and options.apiKey are required');
  const headers = { 'x-api-key': apiKey };

  /** One Acme call, its answer in the profile's terms: ok with the body, or the profile's refusal code. */
  async function call<T>(method: 'PUT' | 'POST', path: string, body: object, shape: (b: Record<string, unknown>) => T | null): Promise<AsResult<T>> {
    const a = await ctx.http({ method, url: `${baseUrl}${path}`, body, headers });
    if (a.status >= 200 && a.status < 300) {
      const value = shape(a.body);
      if (value === null) throw new ctx.verdicts.NonConformance(`Acme hub: ${method} ${path} answered without its fields`, 'the documented fields', JSON.stringify(a.body).slice(0, 80));
      return { ok: true, httpStatus: a.status, value };
    }
    const fault = a.body.fault as { id?: unknown; text?: unknown } | undefined;
    if (typeof fault?.id !== 'string') throw new ctx.verdicts.NonConformance(`Acme hub: ${method} ${path} refused without a fault id`, '{"fault":{"id":...}}', JSON.stringify(a.body).slice(0, 80));
    return { ok: false, httpStatus: a.status, code: fault.id, message: String(fault.text ?? '') };
  }

  return {
    importKey: (req: ImportKeyRequest) =>
      call('PUT', `/devices/${encodeURIComponent(req.iccid)}/keysets/${req.keyIndex}/${req.keyFunction === 'decrypt' ? 'up' : 'down'}`,
        { cipher: CIPHERS[req.algorithm] ?? req.algorithm, enc: req.kic, mac: req.kid }, () => ({ status: 'OK' })),
    decryptData: (req) =>
      call('POST', `/devices/${encodeURIComponent(req.iccid)}/uplink`, { slot: req.keyIndex, blob: req.packet },
        (b) => (typeof b.payload === 'string' ? { data: b.payload, ...(typeof b.seq === 'string' ? { counter: b.seq } : {}) } : null)),
    encryptData: (req) =>
      call('POST', `/devices/${encodeURIComponent(req.iccid)}/downlink`, { slot: req.keyIndex, payload: req.data, antiReplay: req.replayCheck },
        (b) => (typeof b.blob === 'string' ? { packet: b.blob } : null)),
    // Malformed-input scenarios send raw bodies: the hub's uplink route takes them as they are.
    postRaw: async (path, body, contentType) => {
      const a = await ctx.http({ method: 'POST', url: `${baseUrl}/raw/${path}`, body, contentType, headers });
      return { httpStatus: a.status, body: a.body };
    },
  };
}
