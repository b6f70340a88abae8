/**
 * The Allure results writer of a conformance run. allure-js-commons' FileSystemWriter fsyncs every file it writes
 * (a result, a container and an evidence attachment per scenario): on this machine kind that was the largest
 * single cost of a run's own work (issue 7 item 7, docs/architecture.md 7). A run reads its results back in the same
 * process right after Cucumber ends, so durability across a power cut buys nothing: the per-scenario files are
 * plain writes; the rare ones (environment, categories, globals, copied attachments) keep the library's writer.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { FileSystemWriter } from 'allure-js-commons/sdk/reporter';

type TestResult = Parameters<FileSystemWriter['writeResult']>[0];
type TestResultContainer = Parameters<FileSystemWriter['writeGroup']>[0];

export class RunResultsWriter extends FileSystemWriter {
  private made = false;

  constructor(private readonly dir: string) {
    super({ resultsDir: dir });
  }

  private plain(name: string, content: string | Buffer): void {
    if (!this.made) {
      mkdirSync(this.dir, { recursive: true });
      this.made = true;
    }
    writeFileSync(path.join(this.dir, name), content);
  }

  override writeResult(result: TestResult): void {
    this.plain(`${result.uuid}-result.json`, JSON.stringify(result));
  }

  override writeGroup(result: TestResultContainer): void {
    this.plain(`${result.uuid}-container.json`, JSON.stringify(result));
  }

  override writeAttachment(distFileName: string, content: Buffer): void {
    this.plain(distFileName, content);
  }
}
