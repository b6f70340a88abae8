/** Suite identity for reports: package version and the git commit the run used (if the tree is a git checkout). */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export function suiteVersion(): string {
  const pkg = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

export function suiteCommit(): { commit: string | null; dirty: boolean } {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    const status = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'ignore'] }).toString();
    return { commit, dirty: status.trim().length > 0 };
  } catch {
    return { commit: null, dirty: false };
  }
}

function featureFiles(dir: string): string[] {
  return readdirSync(dir).sort().flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? featureFiles(p) : f.endsWith('.feature') ? [p] : [];
  });
}

/**
 * Every test purpose id the suite has (the @TP/OBF/... tags of features/, Examples rows included), without '@'.
 * Read from the feature files, not from a list kept by hand, so a waiver or a tag is checked against what runs.
 */
export function suiteTestPurposes(featuresDir = path.join(PROJECT_ROOT, 'features')): Set<string> {
  const ids = new Set<string>();
  for (const file of featureFiles(featuresDir)) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      // Tag lines only: a '#' comment or a step's text may quote an id without the suite having it.
      if (!line.trim().startsWith('@')) continue;
      for (const m of line.matchAll(/@(TP\/OBF\/[A-Za-z0-9/\-]+)/g)) ids.add(m[1]);
    }
  }
  return ids;
}
