/**
 * A small schema checker for YAML documents that reports the first problem with its line and field path, so a
 * lab's mistake in a target file is one clear sentence ("line 12: roles.applicationServer.baseUrl: ..."). It walks
 * the YAML nodes (not the plain JS value) because only the nodes know their lines.
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type Pair } from 'yaml';
import { closestName } from '../../harness/did-you-mean.ts';

export type Spec =
  | { kind: 'string'; pattern?: RegExp; hint?: string; oneOf?: readonly string[]; minLength?: number }
  | { kind: 'int'; min: number; max: number }
  | { kind: 'bool' }
  | { kind: 'any' }
  | { kind: 'list'; item: Spec; minItems?: number }
  /** Fixed keys; `required` lists the ones that must be present. */
  | { kind: 'object'; fields: Record<string, Spec>; required?: readonly string[] }
  /** Free keys matching `key` (device labels, key indexes), each with the same value spec. */
  | { kind: 'map'; key: RegExp; keyHint: string; value: Spec };

/** A problem in a YAML file: where it is, which field, and what is wrong. */
export class YamlSchemaError extends Error {
  constructor(readonly file: string, readonly line: number, readonly field: string, readonly problem: string) {
    super(`${file}:${line}: ${field ? `${field}: ` : ''}${problem}`);
    this.name = 'YamlSchemaError';
  }
}

export interface CheckedDocument {
  /** The document as plain JS, known to match the spec. */
  value: unknown;
  /** Line (1-based) of the value at a dotted field path, for later cross-field checks. */
  lineOf(field: string): number;
}

const typeName = (n: unknown): string => {
  if (isMap(n)) return 'a mapping';
  if (isSeq(n)) return 'a list';
  if (isScalar(n)) {
    const v = n.value;
    if (v === null) return 'empty';
    return typeof v === 'string' ? `the text '${v.length > 40 ? v.slice(0, 40) + '...' : v}'` : `${typeof v} ${String(v)}`;
  }
  return 'nothing';
};

export function parseAndCheck(text: string, file: string, spec: Spec): CheckedDocument {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const lineAt = (offset: number | undefined) => (offset === undefined ? 1 : lineCounter.linePos(offset).line);
  if (doc.errors.length) {
    const e = doc.errors[0];
    throw new YamlSchemaError(file, lineAt(e.pos[0]), '', `not valid YAML: ${e.message.split('\n')[0]}`);
  }
  if (doc.warnings.length) {
    const w = doc.warnings[0];
    throw new YamlSchemaError(file, lineAt(w.pos[0]), '', `YAML warning: ${w.message.split('\n')[0]}`);
  }
  const lines = new Map<string, number>();
  const fail = (node: Node | Pair | null | undefined, field: string, problem: string): never => {
    const range = node && 'range' in node ? node.range : node && 'key' in node && node.key && typeof node.key === 'object' && 'range' in node.key ? (node.key as Node).range : undefined;
    throw new YamlSchemaError(file, lineAt(range?.[0]), field, problem);
  };

  const walk = (node: unknown, spec: Spec, field: string, at: Node | Pair | null): unknown => {
    const where = (node as Node | null)?.range ? (node as Node) : at;
    // A field's line is its key's line (a block mapping's own range starts at its first child).
    const named = at && 'range' in at && at.range ? at : where;
    if (named && 'range' in named && named.range) lines.set(field, lineAt(named.range[0]));
    switch (spec.kind) {
      case 'any':
        return (node as Node | null)?.toJSON?.() ?? null;
      case 'string': {
        // A number where text is expected is refused rather than converted: YAML reads an unquoted ICCID as a
        // float and loses its last digits.
        if (isScalar(node) && typeof node.value === 'number') fail(where, field, `YAML read the number ${node.value} here; write it in quotes as text${spec.hint ? ` (${spec.hint})` : ''}`);
        if (!isScalar(node) || typeof node.value !== 'string') fail(where, field, `expected text${spec.hint ? ` (${spec.hint})` : ''}, got ${typeName(node)}`);
        const s = String((node as { value: unknown }).value);
        if (spec.oneOf && !spec.oneOf.includes(s)) fail(where, field, `'${s}' is not one of ${spec.oneOf.join(', ')}`);
        if (spec.minLength !== undefined && s.length < spec.minLength) fail(where, field, 'is empty');
        if (spec.pattern && !spec.pattern.test(s)) fail(where, field, `'${s.length > 40 ? s.slice(0, 40) + '...' : s}' is not ${spec.hint ?? `of the form ${spec.pattern}`}`);
        return s;
      }
      case 'int': {
        const v = isScalar(node) ? node.value : undefined;
        if (typeof v !== 'number' || !Number.isInteger(v)) return fail(where, field, `expected a whole number ${spec.min}..${spec.max}, got ${typeName(node)}`);
        if (v < spec.min || v > spec.max) fail(where, field, `${v} is out of range ${spec.min}..${spec.max}`);
        return v;
      }
      case 'bool': {
        const v = isScalar(node) ? node.value : undefined;
        if (typeof v !== 'boolean') fail(where, field, `expected true or false, got ${typeName(node)}`);
        return v;
      }
      case 'list': {
        if (!isSeq(node)) return fail(where, field, `expected a list, got ${typeName(node)}`);
        if (spec.minItems !== undefined && node.items.length < spec.minItems) fail(where, field, `needs at least ${spec.minItems} item${spec.minItems === 1 ? '' : 's'}`);
        return node.items.map((item, i) => walk(item, spec.item, `${field}[${i}]`, where));
      }
      case 'object':
      case 'map': {
        if (!isMap(node)) return fail(where, field, `expected a mapping (key: value lines), got ${typeName(node)}`);
        const keyLine = at && 'range' in at && at.range ? at : where;
        const out: Record<string, unknown> = {};
        for (const pair of node.items) {
          const key = isScalar(pair.key) ? String(pair.key.value) : null;
          if (key === null) fail(pair, field, 'a key is not plain text');
          const sub = field ? `${field}.${key}` : key!;
          if (spec.kind === 'object') {
            const fieldSpec = Object.hasOwn(spec.fields, key!) ? spec.fields[key!] : undefined;
            if (!fieldSpec) {
              const near = closest(key!, Object.keys(spec.fields));
              fail(pair.key as Node, sub, `unknown field${near ? ` (did you mean '${near}'?)` : ''}; allowed here: ${Object.keys(spec.fields).join(', ')}`);
            }
            out[key!] = walk(pair.value, fieldSpec!, sub, pair.key as Node);
          } else {
            if (!spec.key.test(key!)) fail(pair.key as Node, sub, `'${key}' is not ${spec.keyHint}`);
            out[key!] = walk(pair.value, spec.value, sub, pair.key as Node);
          }
        }
        if (spec.kind === 'object') {
          for (const r of spec.required ?? []) if (!(r in out)) fail(keyLine, field ? `${field}.${r}` : r, 'missing (required)');
        }
        return out;
      }
    }
  };

  if (doc.contents === null) throw new YamlSchemaError(file, 1, '', 'the file is empty');
  const value = walk(doc.contents, spec, '', null);
  return { value, lineOf: (field) => lines.get(field) ?? 1 };
}

/** A known name within edit distance 2 of a misspelt one, to suggest it. */
function closest(word: string, candidates: string[]): string | null {
  return closestName(word, candidates, 2);
}
