/**
 * The target file (`run --target <file>`, docs/target-file.md): which roles of the system under test are
 * third-party and how to reach them, the capabilities they declare (PICS) and the parameters the tests need
 * (PIXIT). Roles not named stay on the bundled reference implementation. Loading validates the whole file and
 * throws one YamlSchemaError naming the line and the field of the first problem.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { isMap, isScalar, parseDocument, visit } from 'yaml';
import { parseAndCheck, YamlSchemaError, type Spec } from './yaml-schema.ts';
import { ALGORITHMS, COUNTER_MODES, ROLES, type Capabilities, type Role } from '../../harness/capabilities.ts';
import { luhnCheckDigit } from '../../protocol/iccid.ts';
import type { KeyAlgorithm } from '../../protocol/obf-profile.ts';

export { YamlSchemaError };

const HEX = (bytes: string) => ({ kind: 'string', pattern: new RegExp(`^(?:[0-9A-Fa-f]{2}){${bytes}}$`), hint: `${bytes.replace(',', ' to ')} bytes in hex` }) as const;
const URL_SPEC: Spec = { kind: 'string', pattern: /^https?:\/\/[^\s/]+(\/\S*)?$/, hint: 'an http:// or https:// URL' };
const TOKEN: Spec = { kind: 'string', minLength: 1 };
const PLUGIN: Record<string, Spec> = { plugin: { kind: 'string', pattern: /\.(m?js|ts)$/, hint: 'a module path ending in .ts, .js or .mjs' }, options: { kind: 'any' } };
const KEYSET: Spec = { kind: 'object', required: ['algorithm', 'kic', 'kid'], fields: { algorithm: { kind: 'string', oneOf: ALGORITHMS }, kic: HEX('16,24'), kid: HEX('16,24') } };
const KEYSETS: Spec = { kind: 'map', key: /^([1-9]|1[0-5])$/, keyHint: 'a key index 1..15', value: KEYSET };
const SERIAL: Spec = {
  kind: 'object', required: ['path'], fields: {
    path: { kind: 'string', pattern: /^\//, hint: 'an absolute device path such as /dev/ttyUSB0' },
    baudRate: { kind: 'int', min: 50, max: 4_000_000 },
    dataBits: { kind: 'int', min: 5, max: 8 },
    parity: { kind: 'string', oneOf: ['none', 'even', 'odd', 'mark', 'space'] },
    stopBits: { kind: 'int', min: 1, max: 2 },
    rtscts: { kind: 'bool' },
  },
};

export const TARGET_SPEC: Spec = {
  kind: 'object',
  required: ['sut'],
  fields: {
    sut: { kind: 'object', required: ['vendor', 'product', 'version'], fields: { vendor: TOKEN, product: TOKEN, version: TOKEN, description: { kind: 'string' } } },
    roles: {
      kind: 'object', fields: {
        secureElement: { kind: 'object', fields: { reader: { kind: 'string', minLength: 1 }, atr: { kind: 'string', pattern: /^(?:[0-9A-Fa-f]{2}){2,33}$/, hint: 'the ATR in hex (2 to 33 bytes)' }, ...PLUGIN } },
        device: { kind: 'object', fields: { serial: SERIAL, ...PLUGIN } },
        applicationServer: { kind: 'object', fields: { baseUrl: URL_SPEC, token: TOKEN, adminToken: TOKEN, ...PLUGIN } },
        authenticationServer: { kind: 'object', fields: { baseUrl: URL_SPEC, adminToken: TOKEN, realm: { kind: 'string', pattern: /^[A-Za-z0-9.-]+$/, hint: 'a domain name' }, provisionSubscribers: { kind: 'bool' }, ...PLUGIN } },
        resourceServer: { kind: 'object', fields: { baseUrl: URL_SPEC, adminToken: TOKEN, rprToken: TOKEN, ...PLUGIN } },
      },
    },
    capabilities: {
      kind: 'object', fields: {
        algorithms: { kind: 'list', item: { kind: 'string', oneOf: ALGORITHMS } },
        replayCheck: { kind: 'bool' },
        counterModes: { kind: 'list', item: { kind: 'string', oneOf: COUNTER_MODES } },
        gbaU: { kind: 'bool' },
        providerTransfer: { kind: 'bool' },
        clockHook: { kind: 'bool' },
      },
    },
    parameters: {
      kind: 'object', fields: {
        timeouts: {
          kind: 'object', fields: {
            apduMs: { kind: 'int', min: 100, max: 600_000 },
            httpMs: { kind: 'int', min: 100, max: 600_000 },
            atMs: { kind: 'int', min: 100, max: 600_000 },
            stepMs: { kind: 'int', min: 1000, max: 3_600_000 },
          },
        },
        devices: {
          kind: 'map', key: /^[A-Z]$/, keyHint: 'a device label A..Z, as the scenarios name devices', value: {
            kind: 'object', required: ['iccid'], fields: {
              iccid: { kind: 'string', pattern: /^\d{18,20}$/, hint: '18 to 20 digits' },
              keySeed: { kind: 'string', minLength: 1 },
              keys: { kind: 'object', required: ['downlink', 'uplink'], fields: { downlink: KEYSETS, uplink: KEYSETS } },
              gba: { kind: 'object', required: ['impi', 'k', 'opc'], fields: { impi: { kind: 'string', pattern: /^[^@\s]+@[^@\s]+$/, hint: 'an IMPI user@domain' }, k: HEX('16'), opc: HEX('16') } },
              reader: { kind: 'string', minLength: 1 },
              serialPath: { kind: 'string', pattern: /^\//, hint: 'an absolute device path' },
            },
          },
        },
        nafIds: { kind: 'map', key: /^.+$/, keyHint: 'an Application Server name', value: HEX('1,255') },
      },
    },
  },
};

export interface KeySetSpec { algorithm: KeyAlgorithm; kic: string; kid: string }
export interface PluginRef { plugin: string; options?: unknown; /** Absolute module path. */ resolved: string }
export interface SerialSettings { path: string; baudRate?: number; dataBits?: number; parity?: string; stopBits?: number; rtscts?: boolean }
export interface DeviceParameters {
  iccid: string;
  keySeed?: string;
  keys?: { downlink: Record<string, KeySetSpec>; uplink: Record<string, KeySetSpec> };
  gba?: { impi: string; k: string; opc: string };
  reader?: string;
  serialPath?: string;
}

export interface TargetFile {
  file: string;
  sut: { vendor: string; product: string; version: string; description?: string };
  roles: {
    secureElement?: { reader?: string; atr?: string } & Partial<PluginRef>;
    device?: { serial?: SerialSettings } & Partial<PluginRef>;
    applicationServer?: { baseUrl?: string; token?: string; adminToken?: string } & Partial<PluginRef>;
    /** provisionSubscribers: the server offers the reference's subscriber set-up API (POST /subscribers, admin token). */
    authenticationServer?: { baseUrl?: string; adminToken?: string; realm?: string; provisionSubscribers?: boolean } & Partial<PluginRef>;
    resourceServer?: { baseUrl?: string; adminToken?: string; rprToken?: string } & Partial<PluginRef>;
  };
  capabilities: Partial<Capabilities>;
  parameters: {
    timeouts: { apduMs?: number; httpMs?: number; atMs?: number; stepMs?: number };
    devices: Record<string, DeviceParameters>;
    nafIds: Record<string, string>;
  };
  /** The roles the file names (third-party); the others stay on the reference. */
  thirdParty: Set<Role>;
}

/** How each role may be reached: exactly one of these per named role. */
const TRANSPORTS: Record<Role, string[]> = {
  secureElement: ['reader', 'plugin'],
  device: ['serial', 'plugin'],
  applicationServer: ['baseUrl', 'plugin'],
  authenticationServer: ['baseUrl', 'plugin'],
  resourceServer: ['baseUrl', 'plugin'],
};

export function loadTargetFile(file: string): TargetFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new YamlSchemaError(file, 0, '', code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder, not a target file' : `cannot be read (${code ?? (e as Error).message})`);
  }
  return parseTarget(text, file);
}

export function parseTarget(text: string, file: string): TargetFile {
  const checked = parseAndCheck(text, file, TARGET_SPEC);
  const raw = checked.value as Omit<TargetFile, 'file' | 'thirdParty' | 'capabilities' | 'parameters'> & { capabilities?: Partial<Capabilities>; parameters?: Partial<TargetFile['parameters']>; roles?: TargetFile['roles'] };
  const fail = (field: string, problem: string): never => {
    throw new YamlSchemaError(file, checked.lineOf(field), field, problem);
  };
  const roles = raw.roles ?? {};
  const thirdParty = new Set<Role>();
  for (const role of ROLES) {
    const r = roles[role] as Record<string, unknown> | undefined;
    if (!r) continue;
    const ways = TRANSPORTS[role].filter((k) => k in r);
    if (ways.length !== 1) fail(`roles.${role}`, ways.length ? `give one of ${ways.join(' or ')}, not both` : `say how to reach it: ${TRANSPORTS[role].join(' or ')}`);
    if ('options' in r && !('plugin' in r)) fail(`roles.${role}.options`, 'options are for a plugin; this role has no plugin');
    if (typeof r.plugin === 'string') (r as Partial<PluginRef>).resolved = path.resolve(path.dirname(path.resolve(file)), r.plugin);
    thirdParty.add(role);
  }
  const as = roles.authenticationServer;
  const rs = roles.resourceServer;
  if (as?.baseUrl && !as.adminToken) fail('roles.authenticationServer', 'adminToken missing: the harness registers Application Servers (NAF_Id) with it');
  if (as?.baseUrl && !as.realm) fail('roles.authenticationServer', 'realm missing: the B-TID domain the server issues (TS 33.220 4.5.2)');
  if (rs?.baseUrl && !rs.adminToken) fail('roles.resourceServer', 'adminToken missing: the harness grants and revokes rights with it');
  if (thirdParty.has('authenticationServer') && !thirdParty.has('resourceServer')) fail('roles.authenticationServer', 'a third-party Authentication Server needs a third-party Resource Server too (it must reach it over RPR); name roles.resourceServer');
  if (rs?.baseUrl && !thirdParty.has('authenticationServer') && !rs.rprToken) fail('roles.resourceServer', 'rprToken missing: the reference Authentication Server presents it to your Resource Server over RPR');
  if (rs?.plugin && !thirdParty.has('authenticationServer')) fail('roles.resourceServer', 'a Resource Server plug-in needs a third-party Authentication Server too (the reference one reaches a Resource Server only by baseUrl over RPR)');
  if (thirdParty.has('device') && thirdParty.has('secureElement')) fail('roles.secureElement', 'a third-party device reaches its Secure Element itself (AT+CSIM); remove roles.secureElement');

  const devices = raw.parameters?.devices ?? {};
  for (const [label, d] of Object.entries(devices)) {
    const at = `parameters.devices.${label}`;
    if (luhnCheckDigit(d.iccid.slice(0, -1)) !== Number(d.iccid.at(-1))) fail(`${at}.iccid`, `'${d.iccid}' has a wrong Luhn check digit (B.2.1 item 1)`);
    if (!d.keys === !d.keySeed) fail(at, d.keys ? 'give keys or keySeed, not both' : 'test keys missing: give keys (downlink and uplink keysets) or keySeed');
    for (const dir of ['downlink', 'uplink'] as const) {
      for (const [index, set] of Object.entries(d.keys?.[dir] ?? {})) {
        const want = set.algorithm === '3des-3key' ? 48 : 32;
        for (const k of ['kic', 'kid'] as const) if (set[k].length !== want) fail(`${at}.keys.${dir}.${index}.${k}`, `${set.algorithm} needs a ${want / 2}-byte key, got ${set[k].length / 2} bytes`);
      }
    }
    if (label !== 'A' && thirdParty.has('secureElement') && roles.secureElement?.reader && !d.reader) fail(at, `device ${label} needs its own card: give reader (the PC/SC reader of its card)`);
    if (label !== 'A' && thirdParty.has('device') && roles.device?.serial && !d.serialPath) fail(at, `device ${label} needs its own line: give serialPath`);
  }
  const provisions = roles.authenticationServer?.provisionSubscribers === true;
  const needsDevices = (['secureElement', 'device', 'authenticationServer'] as const).filter((r) => thirdParty.has(r) && !(r === 'authenticationServer' && provisions));
  if (needsDevices.length && !devices.A) fail('parameters.devices', `device A missing: with a third-party ${needsDevices.join(', ')} the harness needs the ICCID and test keys of the device it tests`);

  return {
    file: path.resolve(file),
    sut: raw.sut,
    roles,
    capabilities: raw.capabilities ?? {},
    parameters: { timeouts: raw.parameters?.timeouts ?? {}, devices, nafIds: raw.parameters?.nafIds ?? {} },
    thirdParty,
  };
}

const SECRET_FIELD = /^(token|adminToken|rprToken|kic|kid|k|opc|keySeed|.*(secret|password|token|key).*)$/i;

/** The target file's text with every secret value (tokens, keys, key seeds, plugin options named like secrets) masked; comments kept. */
export function maskTargetText(text: string): string {
  const doc = parseDocument(text);
  visit(doc, {
    Pair(_, pair) {
      if (isScalar(pair.key) && SECRET_FIELD.test(String(pair.key.value)) && pair.value && !isMap(pair.value)) {
        const comment = (pair.value as { comment?: string | null }).comment;
        pair.value = doc.createNode('<masked>');
        if (comment) (pair.value as { comment?: string | null }).comment = comment;
        return visit.SKIP;
      }
      return undefined;
    },
  });
  return doc.toString();
}

/** ICCIDs of the devices the file names, as a range (for the reports). */
export function iccidRange(t: TargetFile): string | undefined {
  const iccids = Object.values(t.parameters.devices).map((d) => d.iccid).sort();
  if (iccids.length === 0) return undefined;
  return iccids.length === 1 ? iccids[0] : `${iccids[0]}..${iccids[iccids.length - 1]}`;
}
