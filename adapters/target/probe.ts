/**
 * `targets check`: probes each role a target file names, the way a run would reach it (reader present and card
 * answering SELECT, serial port opening and the device answering, server answering HTTP, plug-in loading), each
 * within the role's timeout. Roles not named are reported as the reference a run would start.
 */
import { ROLES, type Role } from '../../harness/capabilities.ts';
import { readIccid, selectObf } from '../../harness/se-commands.ts';
import { tracedHttp } from '../http/traced-http.ts';
import type { SecureElementAdapter } from '../types.ts';
import type { TargetFile } from './target-file.ts';
import { timeoutsOf } from './target-system.ts';
import { openThirdPartyDevice, openThirdPartySecureElement } from './hardware.ts';
import { openPlugin } from './plugins.ts';

export interface ProbeResult {
  role: Role;
  how: string;
  ok: boolean;
  found: string;
}

const firstLine = (e: unknown) => String((e as Error)?.message ?? e).split('\n')[0];

async function probeCard(se: SecureElementAdapter): Promise<string> {
  await selectObf(se);
  const found = ['OBF application selected (9000)'];
  try {
    found.push(`EF_ICCID ${await readIccid(se)}`);
  } catch (e) {
    found.push(`EF_ICCID not read: ${firstLine(e)}`);
  }
  return found.join('; ');
}

/** A harmless call with the admin token, per role: authorised, the server answers 400 (empty body); refused, 401. */
const ADMIN_PROBES: Partial<Record<Role, { method: 'POST' | 'PUT'; route: string }>> = {
  applicationServer: { method: 'POST', route: 'keys' },
  authenticationServer: { method: 'POST', route: 'nafs' },
  resourceServer: { method: 'PUT', route: 'rights' },
};

async function probeServer(role: Role, baseUrl: string, adminToken: string | undefined, timeoutMs: number): Promise<{ ok: boolean; found: string }> {
  const a = await tracedHttp({ method: 'GET', url: `${baseUrl}/health` }, { timeoutMs, trace: null, link: baseUrl }).catch((e: Error) => {
    // Answering with something that is not JSON still shows the server is there; only no answer is a failed probe.
    if (e.name === 'NonConformance') return { status: 0, body: { note: firstLine(e) } as Record<string, unknown> };
    throw e;
  });
  if (a.status === 404) {
    return { ok: false, found: `answers GET /health with HTTP 404: is baseUrl right? The profile's servers answer /health under their base URL (${role === 'applicationServer' ? '.../obf/v1' : role === 'authenticationServer' ? '.../obf/v1/auth' : '.../obf/v1/rs'})` };
  }
  const found = [a.status ? `answers: GET /health -> HTTP ${a.status}${a.body.status ? ` ${String(a.body.status)}` : ''}` : `answers, but: ${String(a.body.note)}`];
  const probe = ADMIN_PROBES[role];
  if (adminToken && probe) {
    // A 401 to the configured token is a HarnessError from tracedHttp (caught by the caller: FAIL with the reason).
    const r = await tracedHttp({ method: probe.method, url: `${baseUrl}/${probe.route}`, body: {}, headers: { authorization: `Bearer ${adminToken}` }, credential: 'its admin token' }, { timeoutMs, trace: null, link: baseUrl })
      .catch((e: Error) => {
        if (e.name === 'NonConformance') return { status: 0, body: {} as Record<string, unknown> };
        throw e;
      });
    found.push(`admin token accepted (${probe.method} /${probe.route} with an empty body -> HTTP ${r.status || 'not JSON'})`);
  }
  return { ok: true, found: found.join('; ') };
}

export async function probeTarget(t: TargetFile, fallbackTimeoutMs = 5000): Promise<ProbeResult[]> {
  const timeouts = timeoutsOf(t, fallbackTimeoutMs);
  const results: ProbeResult[] = [];
  for (const role of ROLES) {
    const r = t.roles[role] as Record<string, unknown> | undefined;
    if (!r) {
      const viaDevice = role === 'secureElement' && t.roles.device;
      results.push({ role, how: viaDevice ? 'in the third-party device (AT+CSIM)' : 'reference', ok: true, found: viaDevice ? 'probed with the device' : role === 'secureElement' || role === 'device' ? 'in-process, fresh for each scenario' : 'started by the run on loopback' });
      continue;
    }
    const timeoutMs = role === 'secureElement' ? timeouts.apduMs : role === 'device' ? timeouts.atMs : timeouts.httpMs;
    let how = '';
    try {
      if (typeof r.plugin === 'string') {
        how = `plug-in ${r.plugin}`;
        const a = await openPlugin<Record<string, unknown>>(r.resolved as string, role, { options: r.options, timeoutMs, trace: () => null });
        let found = 'loaded; its adapter has every method of the role';
        if (role === 'secureElement') found += `; ${await probeCard(a as unknown as SecureElementAdapter)}`;
        await (a.close as (() => Promise<void>) | undefined)?.call(a);
        results.push({ role, how, ok: true, found });
      } else if (role === 'secureElement') {
        how = `PC/SC reader "${String(r.reader)}"`;
        const se = await openThirdPartySecureElement(String(r.reader), timeoutMs, typeof r.atr === 'string' ? r.atr : undefined);
        try {
          results.push({ role, how, ok: true, found: `reader present, card answers; ${await probeCard(se)}` });
        } finally {
          await se.close();
        }
      } else if (role === 'device') {
        const serial = t.roles.device!.serial!;
        how = `serial ${serial.path} at ${serial.baudRate ?? 115200} baud`;
        const dev = await openThirdPartyDevice(serial, timeoutMs);
        try {
          const state = await dev.readState();
          let found = `port opens, device answers: ${state.commandsExecuted} commands executed`;
          try {
            found += `; its SE: ${await probeCard(dev.secureElement)}`;
          } catch (e) {
            found += `; its SE (AT+CSIM) did not answer: ${firstLine(e)}`;
          }
          results.push({ role, how, ok: true, found });
        } finally {
          await dev.close();
        }
      } else {
        how = String(r.baseUrl);
        results.push({ role, how, ...(await probeServer(role, String(r.baseUrl), typeof r.adminToken === 'string' ? r.adminToken : undefined, timeoutMs)) });
      }
    } catch (e) {
      results.push({ role, how, ok: false, found: firstLine(e) });
    }
  }
  return results;
}
