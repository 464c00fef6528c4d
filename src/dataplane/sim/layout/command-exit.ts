// How the emulated `ip` and `bridge` commands end: their output and exit status, the early exits iproute2 and
// busybox take (usage, unknown words, missing devices), and the keyword matching both use.

export interface CommandResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** How a command ends early: the text for stderr and the exit status (`exit(-1)` is 255). */
export class CommandExit extends Error {
  constructor(
    readonly stderr: string,
    readonly exitCode: number,
  ) {
    super(stderr.trimEnd());
  }
}

/** iproute2's matches(): the word is a non-empty prefix of the keyword. */
export function matches(word: string, keyword: string): boolean {
  return word.length > 0 && keyword.startsWith(word);
}

/** A command or option flatnet does not emulate; exit status 2, as a command that fails to run. */
export function notEmulated(what: string): CommandExit {
  return new CommandExit(`flatnet: \`${what}\` is not emulated; the simulated namespace answers read-only address, link, route and neigh views\n`, 2);
}


/** Runs a command body: its return value is stdout; a CommandExit becomes stderr and the exit status. */
export function run(fn: () => string): CommandResult {
  try {
    return { stdout: fn(), stderr: '', exitCode: 0 };
  } catch (e) {
    if (e instanceof CommandExit) return { stdout: '', stderr: e.stderr, exitCode: e.exitCode };
    throw e;
  }
}
