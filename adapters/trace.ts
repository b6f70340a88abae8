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
    let out = text;
    for (const s of this.secrets) {
      out = out.replace(new RegExp(s, 'gi'), `<key ${s.length / 2} bytes masked>`);
      const b64 = Buffer.from(s, 'hex').toString('base64');
      out = out.split(b64).join('<key masked>');
    }
    return out;
  }

  render(): string {
    return this.entries.map((e) => this.mask(`${e.at} ${e.channel.padEnd(6)} ${e.link} ${e.direction} ${e.text}`)).join('\n');
  }
}

/** Replace key fields and credentials (tokens) of a JSON body before it is traced. */
export function maskKeyFields(body: string): string {
  return body
    .replace(/("(?:kic|kid|key|k|opc|ks|ksNaf|ksIntNaf)"\s*:\s*")([^"]*)(")/gi, (_m, a: string, v: string, c: string) => `${a}<${v.length / 2} bytes masked>${c}`)
    .replace(/("(?:token|adminToken|rprToken)"\s*:\s*")([^"]*)(")/gi, (_m, a: string, _v: string, c: string) => `${a}<token masked>${c}`);
}
