/**
 * The Allure results writer of a conformance run. allure-js-commons' FileSystemWriter fsyncs every file it writes
 * (a result, a container and an evidence attachment per scenario): on this machine kind that was the largest
 * single cost of a run's own work (issue 7 item 7, docs/architecture.md 7). A run reads its results back in the same
 * process right after Cucumber ends, so durability across a power cut buys nothing:
 * - the per-scenario files are plain writes, started at once and finished off the main thread (creating a file
 *   costs about a millisecond here); `flush()` waits for all of them and reports the first that failed;
 * - a fixture container whose hooks all passed with nothing in them (the Before hook of every scenario) is not
 *   written: it would show an empty "set up" entry and nothing else;
 * - the rare files (environment, categories, globals, copied attachments) keep the library's writer.
 */
import { mkdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { FileSystemWriter } from 'allure-js-commons/sdk/reporter';

type TestResult = Parameters<FileSystemWriter['writeResult']>[0];
type TestResultContainer = Parameters<FileSystemWriter['writeGroup']>[0];
type Fixture = TestResultContainer['befores'][number];

/** A hook that passed and recorded nothing: no steps, no attachments, no parameters. */
function emptyPassed(f: Fixture): boolean {
  return f.status === 'passed' && !f.steps?.length && !f.attachments?.length && !f.parameters?.length;
}

export class RunResultsWriter extends FileSystemWriter {
  private made = false;
  private readonly pending: Promise<void>[] = [];
  private failure: Error | undefined;

  constructor(private readonly dir: string) {
    super({ resultsDir: dir });
  }

  private plain(name: string, content: string | Buffer): void {
    if (!this.made) {
      mkdirSync(this.dir, { recursive: true });
      this.made = true;
    }
    this.pending.push(writeFile(path.join(this.dir, name), content).catch((e: Error) => {
      this.failure ??= e;
    }));
  }

  /** Waits for every write started so far; throws the first failure (a full disk, a folder removed meanwhile). */
  async flush(): Promise<void> {
    await Promise.all(this.pending.splice(0));
    if (this.failure) throw this.failure;
  }

  override writeResult(result: TestResult): void {
    this.plain(`${result.uuid}-result.json`, JSON.stringify(result));
  }

  override writeGroup(result: TestResultContainer): void {
    const fixtures = [...(result.befores ?? []), ...(result.afters ?? [])];
    if (fixtures.length > 0 && fixtures.every(emptyPassed)) return;
    this.plain(`${result.uuid}-container.json`, JSON.stringify(result));
  }

  override writeAttachment(distFileName: string, content: Buffer): void {
    this.plain(distFileName, content);
  }
}
