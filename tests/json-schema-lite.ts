/**
 * A small JSON Schema checker for the tests (no validator is installed): type, enum, const, required,
 * properties, additionalProperties, items, pattern, minimum, minLength and local $ref. Returns the errors found.
 */
type Schema = Record<string, any>;

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

export function validateSchema(root: Schema, value: unknown): string[] {
  const errors: string[] = [];
  const resolve = (ref: string): Schema => ref.replace(/^#\//, '').split('/').reduce((node: any, key) => node[key], root);
  const check = (schema: Schema, v: unknown, at: string): void => {
    if (schema.$ref) return check(resolve(schema.$ref), v, at);
    const t = typeOf(v);
    if (schema.type !== undefined) {
      const allowed: string[] = Array.isArray(schema.type) ? schema.type : [schema.type];
      if (!allowed.includes(t) && !(t === 'integer' && allowed.includes('number'))) errors.push(`${at}: type ${t}, expected ${allowed.join('|')}`);
    }
    if (schema.const !== undefined && v !== schema.const) errors.push(`${at}: ${JSON.stringify(v)} is not ${JSON.stringify(schema.const)}`);
    if (schema.enum && !schema.enum.includes(v)) errors.push(`${at}: ${JSON.stringify(v)} not in ${JSON.stringify(schema.enum)}`);
    if (typeof v === 'string') {
      if (schema.pattern && !new RegExp(schema.pattern, 'u').test(v)) errors.push(`${at}: ${JSON.stringify(v)} does not match ${schema.pattern}`);
      if (schema.minLength !== undefined && v.length < schema.minLength) errors.push(`${at}: shorter than ${schema.minLength}`);
    }
    if (typeof v === 'number' && schema.minimum !== undefined && v < schema.minimum) errors.push(`${at}: ${v} < ${schema.minimum}`);
    if (t === 'array' && schema.items) (v as unknown[]).forEach((item, i) => check(schema.items, item, `${at}[${i}]`));
    if (t === 'object') {
      const obj = v as Record<string, unknown>;
      for (const key of schema.required ?? []) if (!(key in obj)) errors.push(`${at}: missing ${key}`);
      for (const [key, item] of Object.entries(obj)) {
        if (schema.properties?.[key]) check(schema.properties[key], item, `${at}.${key}`);
        else if (schema.additionalProperties === false) errors.push(`${at}: unexpected property ${key}`);
        else if (typeof schema.additionalProperties === 'object') check(schema.additionalProperties, item, `${at}.${key}`);
      }
    }
  };
  check(root, value, '$');
  return errors;
}
