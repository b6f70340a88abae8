/**
 * The target file (docs/target-file.md): every malformed file gives one error naming its line and field; secrets
 * are masked in the copy a run keeps; capability tags select scenarios (not applicable, never a silent skip).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseTarget, maskTargetText, YamlSchemaError } from '../adapters/target/target-file.ts';
import { CAPABILITY_TAGS, effectiveCapabilities, REFERENCE_CAPABILITIES, requireCapabilities } from '../harness/capabilities.ts';
import { NotApplicable, HarnessError } from '../harness/verdicts.ts';
import { withLuhn } from '../protocol/iccid.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ICCID = withLuhn('899100999900000000');
const HEAD = 'sut: { vendor: Acme, product: Tracker, version: "2.1" }\n';

function problem(text: string): YamlSchemaError {
  try {
    parseTarget(text, 'lab.yaml');
  } catch (e) {
    assert.ok(e instanceof YamlSchemaError, `a YamlSchemaError, got ${(e as Error).stack}`);
    assert.doesNotMatch(e.message, /\n/, 'one line');
    return e;
  }
  assert.fail('the file was accepted');
}

describe('malformed target files: one error naming the line and the field', () => {
  const cases: Array<[string, string, number, string, RegExp]> = [
    ['empty file', '', 1, '', /empty/],
    ['not YAML', 'sut: [unclosed\n', 2, '', /not valid YAML/],
    ['duplicate key', `${HEAD}sut: {}\n`, 2, '', /YAML|unique/i],
    ['sut missing', 'roles: {}\n', 1, 'sut', /missing \(required\)/],
    ['top-level typo', `${HEAD}capabilties: {}\n`, 2, 'capabilties', /unknown field \(did you mean 'capabilities'\?\)/],
    ['role typo', `${HEAD}roles:\n  applicationServr:\n    baseUrl: http://a/obf/v1\n`, 3, 'roles.applicationServr', /did you mean 'applicationServer'/],
    ['wrong type', `${HEAD}roles:\n  applicationServer:\n    baseUrl: [1, 2]\n`, 4, 'roles.applicationServer.baseUrl', /expected text/],
    ['bad URL', `${HEAD}roles:\n  applicationServer:\n    baseUrl: ftp://x/obf/v1\n`, 4, 'roles.applicationServer.baseUrl', /http:\/\/ or https:\/\/ URL/],
    ['no transport', `${HEAD}roles:\n  applicationServer:\n    token: t\n`, 3, 'roles.applicationServer', /say how to reach it: baseUrl or plugin/],
    ['two transports', `${HEAD}roles:\n  secureElement:\n    reader: R\n    plugin: ./x.ts\n`, 3, 'roles.secureElement', /not both/],
    ['bad algorithm', `${HEAD}capabilities:\n  algorithms: [aes, des]\n`, 3, 'capabilities.algorithms[1]', /'des' is not one of aes, 3des-2key, 3des-3key/],
    ['boolean as text', `${HEAD}capabilities:\n  replayCheck: "yes"\n`, 3, 'capabilities.replayCheck', /true or false/],
    ['timeout out of range', `${HEAD}parameters:\n  timeouts:\n    httpMs: 5\n`, 4, 'parameters.timeouts.httpMs', /out of range 100\.\.600000/],
    ['unquoted ICCID', `${HEAD}parameters:\n  devices:\n    A:\n      iccid: ${ICCID}\n      keySeed: s\n`, 5, 'parameters.devices.A.iccid', /number .* quotes/],
    ['ICCID Luhn', `${HEAD}parameters:\n  devices:\n    A:\n      iccid: "${ICCID.slice(0, -1)}${(Number(ICCID.at(-1)) + 1) % 10}"\n      keySeed: s\n`, 5, 'parameters.devices.A.iccid', /Luhn/],
    ['device label', `${HEAD}parameters:\n  devices:\n    a1:\n      iccid: "${ICCID}"\n`, 4, 'parameters.devices.a1', /device label A\.\.Z/],
    ['no test keys', `${HEAD}parameters:\n  devices:\n    A:\n      iccid: "${ICCID}"\n`, 4, 'parameters.devices.A', /test keys missing/],
    ['key length', `${HEAD}parameters:\n  devices:\n    A:\n      iccid: "${ICCID}"\n      keys:\n        downlink: { 1: { algorithm: aes, kic: "${'00'.repeat(24)}", kid: "${'00'.repeat(16)}" } }\n        uplink: {}\n`, 7, 'parameters.devices.A.keys.downlink.1.kic', /aes needs a 16-byte key, got 24 bytes/],
    ['key not hex', `${HEAD}parameters:\n  devices:\n    A:\n      iccid: "${ICCID}"\n      keys:\n        downlink: { 1: { algorithm: aes, kic: "zz", kid: "00" } }\n        uplink: {}\n`, 7, 'parameters.devices.A.keys.downlink.1.kic', /bytes in hex/],
    ['third-party SE without device A', `${HEAD}roles:\n  secureElement:\n    reader: "Virtual PCD 00 00"\n`, 1, 'parameters.devices', /device A missing/],
    ['auth without RS', `${HEAD}roles:\n  authenticationServer:\n    baseUrl: http://a/obf/v1/auth\n    adminToken: t\n    realm: bsf.example\n`, 3, 'roles.authenticationServer', /Resource Server too/],
    ['RS without rprToken', `${HEAD}roles:\n  resourceServer:\n    baseUrl: http://a/obf/v1/rs\n    adminToken: t\n`, 3, 'roles.resourceServer', /rprToken missing/],
    ['device and SE both', `${HEAD}roles:\n  device:\n    serial: { path: /dev/ttyUSB0 }\n  secureElement:\n    reader: R\nparameters:\n  devices:\n    A: { iccid: "${ICCID}", keySeed: s }\n`, 5, 'roles.secureElement', /AT\+CSIM/],
    ['serial path relative', `${HEAD}roles:\n  device:\n    serial: { path: ttyUSB0 }\n`, 4, 'roles.device.serial.path', /absolute device path/],
    ['options without plugin', `${HEAD}roles:\n  applicationServer:\n    baseUrl: http://a/obf/v1\n    options: {}\n`, 5, 'roles.applicationServer.options', /no plugin/],
  ];
  for (const [name, text, line, field, pattern] of cases) {
    test(name, () => {
      const e = problem(text);
      assert.equal(e.line, line, e.message);
      assert.equal(e.field, field, e.message);
      assert.match(e.message, pattern);
      assert.ok(e.message.startsWith(`lab.yaml:${line}: `), e.message);
    });
  }
});

describe('valid target files', () => {
  test('every example in examples/targets/ is valid', () => {
    const dir = path.join(ROOT, 'examples/targets');
    const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
    assert.ok(files.length >= 3, 'commented examples');
    for (const f of files) assert.doesNotThrow(() => parseTarget(readFileSync(path.join(dir, f), 'utf8'), path.join(dir, f)), f);
  });

  test('roles named are third-party, the others stay on the reference', () => {
    const t = parseTarget(`${HEAD}roles:\n  applicationServer: { baseUrl: "http://127.0.0.1:8080/obf/v1", token: t0k3n }\n`, 'lab.yaml');
    assert.deepEqual([...t.thirdParty], ['applicationServer']);
  });

  test('any TCP port will do: the harness speaks node:http, which has no Fetch "bad port" list (6000 was refused while it used fetch)', () => {
    const t = parseTarget(`${HEAD}roles:\n  applicationServer: { baseUrl: "http://127.0.0.1:6000/obf/v1", token: t0k3n }\n`, 'lab.yaml');
    assert.deepEqual([...t.thirdParty], ['applicationServer']);
  });

  test('secrets are masked in the copy the run keeps, comments stay', () => {
    const text = `# lab file\n${HEAD}roles:\n  applicationServer: { baseUrl: "http://a/obf/v1", token: SECRET-TOKEN-1 }  # AS\nparameters:\n  devices:\n    A:\n      iccid: "${ICCID}"\n      keys:\n        downlink: { 1: { algorithm: aes, kic: "${'11'.repeat(16)}", kid: "${'22'.repeat(16)}" } }\n        uplink: {}\n      gba: { impi: a@b, k: "${'33'.repeat(16)}", opc: "${'44'.repeat(16)}" }\n`;
    const masked = maskTargetText(text);
    for (const secret of ['SECRET-TOKEN-1', '11'.repeat(16), '22'.repeat(16), '33'.repeat(16), '44'.repeat(16)]) assert.ok(!masked.includes(secret), secret);
    assert.match(masked, /# lab file/);
    assert.match(masked, new RegExp(ICCID));
    assert.doesNotThrow(() => parseTarget(text, 'lab.yaml'));
  });
});

describe('capabilities (PICS) select scenarios', () => {
  test('a capability whose roles all stay on the reference is the reference\'s; otherwise only what is declared', () => {
    const c = effectiveCapabilities({ algorithms: ['aes'] }, new Set(['applicationServer']));
    assert.deepEqual(c.algorithms, ['aes']);
    assert.equal(c.replayCheck, false, 'undeclared');
    assert.equal(c.gbaU, true, 'SE, device and Authentication Server are the reference');
    assert.deepEqual(effectiveCapabilities({}, new Set()), REFERENCE_CAPABILITIES);
  });

  test('an undeclared capability makes the scenario not applicable with the reason; an unknown tag is a harness error', () => {
    const c = effectiveCapabilities({ algorithms: ['aes'] }, new Set(['applicationServer']));
    assert.throws(() => requireCapabilities(['@needs-3des'], c), (e: Error) => e instanceof NotApplicable && /needs algorithms to include '3des-2key'/.test(e.message));
    assert.doesNotThrow(() => requireCapabilities(['@needs-aes', '@OBF-B.2.2.3.2'], c));
    assert.throws(() => requireCapabilities(['@needs-teleport'], c), HarnessError);
  });

  test('every @needs- tag in the features is known', () => {
    const files = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? files(path.join(dir, d.name)) : d.name.endsWith('.feature') ? [path.join(dir, d.name)] : []));
    const tags = new Set(files(path.join(ROOT, 'features')).flatMap((f) => readFileSync(f, 'utf8').match(/@needs-[\w-]+/g) ?? []));
    assert.ok(tags.size >= 3);
    for (const t of tags) assert.ok(t in CAPABILITY_TAGS, `${t} is not in harness/capabilities.ts`);
  });
});
