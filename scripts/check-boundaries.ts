/**
 * Enforces the import boundaries written down in docs/architecture.md: the reference implementation and the
 * harness meet only at the adapter interfaces. Prints each violation with file and line; exit 1 if any.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** For each top folder, the project paths its modules may import (prefixes, relative to the root). */
export const BOUNDARIES: Record<string, string[]> = {
  protocol: ['protocol/'],
  'reference-impl': ['reference-impl/', 'protocol/'],
  harness: ['harness/', 'protocol/', 'adapters/types.ts'],
  adapters: ['adapters/', 'protocol/', 'harness/'],
  steps: ['steps/', 'adapters/index.ts', 'adapters/types.ts', 'harness/', 'protocol/'],
  reports: ['reports/', 'harness/'],
  cli: ['cli/', 'protocol/', 'harness/', 'reports/', 'adapters/index.ts', 'adapters/targets.ts'],
  scripts: ['scripts/', 'protocol/', 'harness/', 'reports/', 'cli/', 'adapters/', 'reference-impl/'],
  tests: ['tests/', 'protocol/', 'harness/', 'reports/', 'cli/', 'adapters/', 'reference-impl/', 'steps/', 'scripts/fuzz/', 'scripts/key-hygiene.ts'],
};

/** Only these files may import the reference implementation, and only its public entry. */
export const REFERENCE_ENTRY = 'reference-impl/index.ts';
export const REFERENCE_GATES = ['adapters/reference/', 'adapters/index.ts'];

function* files(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) yield* files(full);
    else if (/\.(ts|mjs|js)$/.test(name)) yield full;
  }
}

export function checkBoundaries(): string[] {
  const problems: string[] = [];
  for (const top of Object.keys(BOUNDARIES)) {
    const dir = path.join(ROOT, top);
    try {
      statSync(dir);
    } catch {
      continue;
    }
    for (const file of files(dir)) {
      const rel = path.relative(ROOT, file);
      const text = readFileSync(file, 'utf8');
      // Whole-file scan so that multi-line import lists and dynamic imports are seen too.
      const pattern = /\bfrom\s+['"](\.[^'"]+)['"]|\bimport\s*\(\s*['"](\.[^'"]+)['"]\s*\)|^\s*import\s+['"](\.[^'"]+)['"]/gm;
      for (const m of text.matchAll(pattern)) {
        const i = text.slice(0, m.index).split('\n').length - 1;
        const spec = m[1] ?? m[2] ?? m[3];
        const target = path.relative(ROOT, path.resolve(path.dirname(file), spec)).split(path.sep).join('/');
        const allowed = BOUNDARIES[top];
        if (target.startsWith('reference-impl/') && !/^(reference-impl|tests|scripts)\//.test(rel)) {
          if (target !== REFERENCE_ENTRY || !REFERENCE_GATES.some((g) => rel.startsWith(g))) {
            problems.push(`${rel}:${i + 1}: imports ${target}; only ${REFERENCE_GATES.join(' and ')} may import the reference implementation, through ${REFERENCE_ENTRY}`);
          }
          continue;
        }
        if (target.startsWith('node_modules/') || allowed.some((a) => target === a || target.startsWith(a))) continue;
        if (target.startsWith('reference-impl/')) continue;
        problems.push(`${rel}:${i + 1}: ${top}/ may not import ${target} (allowed: ${allowed.join(', ')})`);
      }
    }
  }
  return problems;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const problems = checkBoundaries();
  for (const p of problems) console.error(p);
  console.log(problems.length ? `${problems.length} boundary violation(s)` : 'import boundaries hold');
  process.exitCode = problems.length ? 1 : 0;
}
