/**
 * Evidence of a scenario: every APDU, device exchange and HTTP call, time-stamped, with status words decoded
 * and key material masked. Attached to the scenario in the reports.
 */
export interface TraceEntry {
  at: string;
  channel: 'apdu' | 'at' | 'device' | 'http' | 'note';
  direction: '>>' | '<<' | '--';
  /** Who talks to whom, e.g. "harness -> SE A", "device A -> SE A". */
  link: string;
  text: string;
}

export class Trace {
  readonly entries: TraceEntry[] = [];
  private readonly secrets = new Set<string>();

  /** Key material that must never appear in the rendered trace (hex, either case). */
  addSecret(hex: string): void {
    if (hex.length >= 8) this.secrets.add(hex.toUpperCase());
  }

  record(channel: TraceEntry['channel'], direction: TraceEntry['direction'], link: string, text: string): void {
    this.entries.push({ at: new Date().toISOString(), channel, direction, link, text });
  }

  note(text: string): void {
    this.record('note', '--', 'harness', text);
  }

  mask(text: string): string {
    return this.masker()(text);
  }

  render(): string {
    const mask = this.masker();
    return this.entries.map((e) => mask(`${e.at} ${e.channel.padEnd(6)} ${e.link} ${e.direction} ${e.text}`)).join('\n');
  }

  /**
   * One pass per text for all secrets: hex in either case, base64 as is. Longest first, so a secret that contains
   * another is masked whole. (A RegExp per secret per entry was a tenth of a suite run's CPU.)
   */
  private masker(): (text: string) => string {
    if (this.secrets.size === 0) return (t) => t;
    const byLength = [...this.secrets].sort((a, b) => b.length - a.length);
    const hex = new RegExp(byLength.map(escapeRegExp).join('|'), 'gi');
    const b64s = byLength.map((s) => Buffer.from(s, 'hex').toString('base64')).filter((b) => b.length > 0);
    const b64 = b64s.length > 0 ? new RegExp(b64s.map(escapeRegExp).join('|'), 'g') : undefined;
    return (text) => {
      const out = text.replace(hex, (m) => `<key ${m.length / 2} bytes masked>`);
      return b64 ? out.replace(b64, '<key masked>') : out;
    };
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** Replace key fields and credentials (tokens) of a JSON body before it is traced. */
export function maskKeyFields(body: string): string {
  return body
    .replace(/("(?:kic|kid|key|k|opc|ks|ksNaf|ksIntNaf)"\s*:\s*")([^"]*)(")/gi, (_m, a: string, v: string, c: string) => `${a}<${v.length / 2} bytes masked>${c}`)
    .replace(/("(?:token|adminToken|rprToken)"\s*:\s*")([^"]*)(")/gi, (_m, a: string, _v: string, c: string) => `${a}<token masked>${c}`);
}
