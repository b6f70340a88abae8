/**
 * The one place the commands parse their options: node:util parseArgs, plus what it does not do for us.
 * parseArgs silently keeps the last of a repeated option (`--shard 1/2 --shard 2/2` ran shard 2, `--lab A --lab B`
 * recorded B), so every option given twice is refused unless it is declared `multiple` (the documented repeatable
 * ones, such as --reference-fault). And its messages ("Option '--shard <value>' argument missing") are reworded in
 * the CLI's voice, with the command and a pointer to its --help.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './usage-error.ts';

type Config = ParseArgsConfig & { args: string[] };

/** A parseArgs mistake named for the user, or null when the error is not one of parseArgs' own. */
export function parseArgsUsageError(command: string | undefined, e: unknown): UsageError | null {
  const code = e instanceof Error ? (e as NodeJS.ErrnoException).code : undefined;
  if (!code?.startsWith('ERR_PARSE_ARGS')) return null;
  const first = (e as Error).message.split('\n')[0];
  const say = (what: string) => new UsageError(command ? `${command}: ${what} (see 'obf-conformance ${command} --help')` : `${what} (see --help)`);
  let m: RegExpExecArray | null;
  if ((m = /^Option '(-[^' ]+)(?: <value>)?' argument missing/.exec(first))) return say(`option ${m[1]} needs a value`);
  if ((m = /^Option '(-[^' ]+)' argument is ambiguous/.exec(first))) return say(`option ${m[1]} got a value starting with '-'; write ${m[1]}=<value> if you meant it`);
  if ((m = /^Option '(-[^' ]+)' does not take an argument/.exec(first))) return say(`option ${m[1]} takes no value`);
  if ((m = /^Unknown option '([^']+)'/.exec(first))) return say(`unknown option '${m[1]}'`);
  if ((m = /^Unexpected argument '([\s\S]*)'\. This command does not take positional arguments/.exec(first))) {
    return say(`unexpected argument '${m[1]}'; this command takes only options`);
  }
  return say(first);
}

/**
 * parseArgs for a command: options given twice (other than `multiple` ones and flags, where a repeat changes
 * nothing) and parseArgs' own errors become one-line UsageErrors naming the command.
 */
export function parseCommandArgs<const T extends Config>(command: string, config: T): ReturnType<typeof parseArgs<T>> {
  let parsed;
  try {
    parsed = parseArgs({ ...config, tokens: true });
  } catch (e) {
    throw parseArgsUsageError(command, e) ?? e;
  }
  const seen = new Set<string>();
  for (const t of parsed.tokens ?? []) {
    if (t.kind !== 'option') continue;
    const spec = config.options?.[t.name];
    if (!spec || spec.multiple || spec.type === 'boolean') continue;
    if (seen.has(t.name)) throw new UsageError(`${command}: option --${t.name} given twice; give it once (see 'obf-conformance ${command} --help')`);
    seen.add(t.name);
  }
  const { values, positionals } = parsed;
  return { values, positionals } as ReturnType<typeof parseArgs<T>>;
}

/**
 * Text from the user or from a file, safe to print on one terminal line: control characters, DEL and C1 controls
 * as \xNN (or \n, \r, \t, \e), so a name can neither forge an output line nor send escape sequences to a terminal.
 * With `backslashes` (names listed on stdout) a backslash is doubled so the escaped form is unambiguous; error
 * lines leave them, so a path or value the user typed reads as typed.
 */
export function printable(text: string, { backslashes = true }: { backslashes?: boolean } = {}): string {
  return text.replace(backslashes ? /[\\\x00-\x1f\x7f-\x9f\u2028\u2029]/g : /[\x00-\x1f\x7f-\x9f\u2028\u2029]/g, (c) => {
    switch (c) {
      case '\\': return '\\\\';
      case '\n': return '\\n';
      case '\r': return '\\r';
      case '\t': return '\\t';
      case '\x1b': return '\\e';
      default: {
        const n = c.charCodeAt(0);
        return n > 0xff ? `\\u${n.toString(16).padStart(4, '0')}` : `\\x${n.toString(16).padStart(2, '0')}`;
      }
    }
  });
}
