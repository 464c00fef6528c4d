// The command table of `flatnet exec`: a program name to its emulation, the small ones (echo, sleep, env, ip, true,
// false) written here, and what happens when the image lacks the program — exec'd directly or from a shell.

import { runIp } from '../dataplane/sim/layout/iproute2.js';
import { runCurl } from './curl.js';
import { runDig, runHost } from './dig.js';
import { runNc } from './nc.js';
import { runNslookup } from './nslookup.js';
import { runPing } from './ping.js';
import { runCat, runHostname } from './pod-files.js';
import { notFoundMessage, runShell } from './shell.js';
import { fail, ok, type ToolContext, type ToolResult } from './tool-context.js';
import type { ToolName } from './toolbox.js';
import { runWget } from './wget.js';

type Runner = (ctx: ToolContext, args: string[]) => ToolResult | Promise<ToolResult>;

/** echo: -n drops the newline; -e (and dash's builtin always) interprets backslash escapes. */
function echo(args: string[], escapesByDefault: boolean): ToolResult {
  let newline = true;
  let escapes = escapesByDefault;
  let i = 0;
  for (; i < args.length && /^-[neE]+$/.test(args[i]); i++) {
    if (escapesByDefault && args[i] !== '-n') break;
    for (const f of args[i].slice(1)) {
      if (f === 'n') newline = false;
      else if (f === 'e') escapes = true;
      else escapes = false;
    }
  }
  let text = args.slice(i).join(' ');
  if (escapes) {
    const cut = text.indexOf('\\c');
    if (cut >= 0) {
      text = text.slice(0, cut);
      newline = false;
    }
    text = text.replace(/\\(0[0-7]{0,3}|[abfnrtv\\])/g, (_, e: string) => (e[0] === '0' ? String.fromCharCode(parseInt(e.slice(1) || '0', 8)) : ({ a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\' } as Record<string, string>)[e]));
  }
  return ok(text + (newline ? '\n' : ''));
}

/** sleep N[smhd]...: validated, then returns at once (the simulation has no wall-clock time to spend). */
function sleep(ctx: ToolContext, args: string[]): ToolResult {
  const busybox = ctx.toolbox.nslookup === 'busybox';
  if (args.length === 0) return fail(1, busybox ? 'BusyBox v1.36.1 multi-call binary.\n\nUsage: sleep [N]...\n' : "sleep: missing operand\nTry 'sleep --help' for more information.\n");
  for (const a of args) if (!/^(\d+(\.\d*)?|\.\d+)[smhd]?$/.test(a)) return fail(1, busybox ? `sleep: invalid number '${a}'\n` : `sleep: invalid time interval '${a}'\nTry 'sleep --help' for more information.\n`);
  return ok();
}

function env(ctx: ToolContext, args: string[]): ToolResult {
  if (args.length > 0) return fail(2, 'flatnet: env with arguments (setting variables or running a command) is not emulated; plain `env` is\n');
  return ok(ctx.env.map(([k, v]) => `${k}=${v}\n`).join(''));
}

function printenv(ctx: ToolContext, args: string[]): ToolResult {
  if (args.length === 0) return env(ctx, []);
  const vars = new Map(ctx.env);
  const found = args.filter((a) => vars.has(a));
  return { stdout: found.map((a) => `${vars.get(a)}\n`).join(''), stderr: '', exitCode: found.length === args.length ? 0 : 1 };
}

function ip(ctx: ToolContext, args: string[]): ToolResult {
  if (!ctx.netns) return fail(2, 'flatnet: ip needs the cluster\'s network layout, which this exec was not given\n');
  return runIp(ctx.netns, args, ctx.toolbox.ip ?? 'iproute2');
}

/** Every emulated program. `sh` and `bash` are added by runArgv, which needs the table itself. */
const TABLE: Record<Exclude<ToolName, 'sh' | 'bash'>, Runner> = {
  curl: runCurl,
  wget: runWget,
  nslookup: runNslookup,
  dig: runDig,
  host: runHost,
  nc: runNc,
  ping: runPing,
  ip,
  cat: runCat,
  hostname: runHostname,
  env,
  printenv,
  echo: (_ctx, args) => echo(args, false),
  sleep,
  true: () => ok(),
  false: () => fail(1, ''),
};

/** `/usr/bin/curl` → `curl`. */
function programName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** The container runtime's error when exec names a program the image does not have (runc via containerd). */
export function runtimeNotFound(program: string): string {
  return `OCI runtime exec failed: exec failed: unable to start container process: exec: "${program}": executable file not found in $PATH: unknown\n`;
}

/**
 * Runs argv as a process in the container: a program the image has (its emulation), or the runtime's "executable
 * file not found" (exit 127, what a shell reports too) for one it lacks. `sh -c` and `bash -c` run shell lines.
 */
export async function runArgv(ctx: ToolContext, argv: string[]): Promise<ToolResult> {
  const name = programName(argv[0] ?? '');
  if (!ctx.toolbox.tools.has(name as ToolName)) return fail(127, runtimeNotFound(argv[0] ?? ''));
  if (name === 'sh' || name === 'bash') return runShellProgram(ctx, name, argv.slice(1));
  return TABLE[name as keyof typeof TABLE](ctx, argv.slice(1));
}

/** `sh -c LINE` / `bash -c LINE`; an interactive shell (no -c) is not emulated. */
async function runShellProgram(ctx: ToolContext, name: 'sh' | 'bash', args: string[]): Promise<ToolResult> {
  if (args[0] !== '-c' || args[1] === undefined)
    return fail(2, `flatnet: ${name} without -c (an interactive shell or a script) is not emulated; run \`${name} -c 'cmd1 && cmd2 | cmd3'\` or the command itself\n`);
  const flavour = name === 'bash' ? 'bash' : (ctx.toolbox.shell ?? 'dash');
  const bashMajor = ctx.toolbox.bash ?? 5;
  return runShell(ctx, args[1], async (words, stdin) => {
    const sub: ToolContext = { ...ctx, stdin };
    const prog = programName(words[0]);
    // Shell builtins: echo (dash's interprets escapes), true, false; exit is handled as its status.
    if (prog === 'echo' && words[0] === 'echo') return echo(words.slice(1), flavour === 'dash');
    if (prog === 'true' || prog === 'false' || prog === ':') return prog === 'false' ? fail(1, '') : ok();
    if (prog === 'exit') return { stdout: '', stderr: '', exitCode: Number(words[1] ?? 0) & 255 };
    if (!ctx.toolbox.tools.has(prog as ToolName)) return fail(127, notFoundMessage(flavour, bashMajor, name, words[0]));
    return runArgv(sub, words);
  }, name);
}
