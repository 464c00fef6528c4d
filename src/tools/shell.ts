// `sh -c '...'` for the command lines people type into pods: words with quotes and $VAR, lists joined by `;`, `&&`
// and `||`, pipelines with `|`, and the redirections `>/dev/null`, `2>/dev/null`, `2>&1`, `>&2`. Anything beyond that
// (substitutions, loops, other redirections, background jobs) is refused with a message, never guessed at.

import type { ToolContext, ToolResult } from './tool-context.js';

/** A simple command: its words and the redirections applied to it. */
interface SimpleCommand {
  words: string[];
  /** Where its stdout and stderr go. */
  stdout: 'out' | 'err' | 'null';
  stderr: 'out' | 'err' | 'null';
}

type Op = ';' | '&&' | '||';

/** `a | b | c` with the operator that joins it to the previous pipeline. */
interface Pipeline {
  op: Op;
  commands: SimpleCommand[];
}

export class ShellUnsupported extends Error {}

type Token = { kind: 'word'; text: string } | { kind: 'op'; text: string };

function expandVar(name: string, ctx: { env: Map<string, string>; status: number }): string {
  if (name === '?') return String(ctx.status);
  return ctx.env.get(name) ?? '';
}

/** Splits a command line into words and operators, applying quotes and $VAR expansion (POSIX 2.2, 2.6.2). */
function tokenize(line: string, vars: { env: Map<string, string>; status: number }): Token[] {
  const out: Token[] = [];
  let i = 0;
  let word: string | undefined;
  const flush = () => {
    if (word !== undefined) out.push({ kind: 'word', text: word });
    word = undefined;
  };
  const dollar = (): string => {
    const rest = line.slice(i + 1);
    const brace = /^\{([A-Za-z_][A-Za-z0-9_]*|\?)\}/.exec(rest);
    const bare = /^([A-Za-z_][A-Za-z0-9_]*|\?)/.exec(rest);
    if (rest.startsWith('(')) throw new ShellUnsupported('command substitution $(...) is not emulated');
    const m = brace ?? bare;
    if (!m) {
      i++;
      return '$';
    }
    i += 1 + m[0].length;
    return expandVar(m[1], vars);
  };
  while (i < line.length) {
    const c = line[i];
    if (c === ' ' || c === '\t' || c === '\n') {
      flush();
      i++;
    } else if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new ShellUnsupported('unterminated quoted string');
      word = (word ?? '') + line.slice(i + 1, end);
      i = end + 1;
    } else if (c === '"') {
      let s = '';
      i++;
      while (i < line.length && line[i] !== '"') {
        if (line[i] === '\\' && '$`"\\\n'.includes(line[i + 1] ?? '')) {
          s += line[i + 1];
          i += 2;
        } else if (line[i] === '$') s += dollar();
        else if (line[i] === '`') throw new ShellUnsupported('command substitution `...` is not emulated');
        else s += line[i++];
      }
      if (i >= line.length) throw new ShellUnsupported('unterminated quoted string');
      i++;
      word = (word ?? '') + s;
    } else if (c === '\\') {
      word = (word ?? '') + (line[i + 1] ?? '');
      i += 2;
    } else if (c === '$') word = (word ?? '') + dollar();
    else if (c === '`') throw new ShellUnsupported('command substitution `...` is not emulated');
    else if (c === '>' || ((c === '1' || c === '2') && word === undefined && line[i + 1] === '>')) {
      flush();
      const m = /^([12]?)>(>?)(&[12])?/.exec(line.slice(i))!;
      if (m[2]) throw new ShellUnsupported('`>>` is not emulated (exec has no container filesystem)');
      const fd = m[1] || '1';
      out.push({ kind: 'op', text: m[3] ? `${fd}>${m[3]}` : `${fd}>` });
      i += m[0].length;
    } else if ('|&;<()'.includes(c)) {
      flush();
      const two = line.slice(i, i + 2);
      const op = two === '&&' || two === '||' ? two : c;
      out.push({ kind: 'op', text: op });
      i += op.length;
    } else {
      word = (word ?? '') + c;
      i++;
    }
  }
  flush();
  return out;
}

/** Parses tokens into pipelines; throws ShellUnsupported for syntax flatnet does not run. */
function parse(tokens: Token[]): Pipeline[] {
  const pipelines: Pipeline[] = [];
  let op: Op = ';';
  let commands: SimpleCommand[] = [];
  let cmd: SimpleCommand = { words: [], stdout: 'out', stderr: 'err' };
  const endCommand = () => {
    if (cmd.words.length === 0) throw new ShellUnsupported('syntax error: a command is missing');
    commands.push(cmd);
    cmd = { words: [], stdout: 'out', stderr: 'err' };
  };
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.kind === 'word') {
      cmd.words.push(t.text);
      continue;
    }
    const target = tokens[i + 1];
    switch (t.text) {
      case '|':
        endCommand();
        break;
      case ';':
      case '&&':
      case '||':
        if (t.text === ';' && cmd.words.length === 0 && commands.length === 0) break;
        endCommand();
        pipelines.push({ op, commands });
        commands = [];
        op = t.text as Op;
        break;
      case '1>':
      case '2>':
        if (target?.kind !== 'word' || target.text !== '/dev/null') throw new ShellUnsupported(`redirection to ${target?.text ?? 'nothing'}: only /dev/null is emulated (exec has no container filesystem)`);
        if (t.text === '2>') cmd.stderr = 'null';
        else cmd.stdout = 'null';
        i++;
        break;
      case '2>&1':
        cmd.stderr = cmd.stdout;
        break;
      case '1>&2':
        cmd.stdout = cmd.stderr;
        break;
      case '1>&1':
      case '2>&2':
        break;
      default:
        throw new ShellUnsupported(`\`${t.text}\` is not emulated`);
    }
  }
  if (cmd.words.length > 0 || commands.length > 0) {
    endCommand();
    pipelines.push({ op, commands });
  }
  return pipelines;
}

/** Runs one argv in the shell's context: the caller's command table, with stdin. */
export type RunArgv = (argv: string[], stdin: string) => Promise<ToolResult>;

/** How this /bin/sh says a command is missing (exit 127). */
export function notFoundMessage(shell: 'ash' | 'dash' | 'bash', bashMajor: number, invokedAs: string, cmd: string): string {
  if (shell === 'ash') return `${invokedAs}: ${cmd}: not found\n`;
  if (shell === 'dash') return `${invokedAs}: 1: ${cmd}: not found\n`;
  return bashMajor >= 5 ? `${invokedAs}: line 1: ${cmd}: command not found\n` : `${invokedAs}: ${cmd}: command not found\n`;
}

/**
 * Runs a `sh -c` command line. `run` executes one simple command (builtins included) and reports not-found itself.
 * The exit status is the last pipeline's, as in any POSIX shell.
 */
export async function runShell(ctx: ToolContext, line: string, run: RunArgv, invokedAs = 'sh'): Promise<ToolResult> {
  const env = new Map(ctx.env);
  let status = 0;
  let pipelines: Pipeline[];
  try {
    pipelines = parse(tokenize(line, { env, status }));
  } catch (e) {
    if (e instanceof ShellUnsupported) return { stdout: '', stderr: `flatnet: ${invokedAs} -c: ${e.message}\n`, exitCode: 2 };
    throw e;
  }
  let stdout = '';
  let stderr = '';
  const notes: string[] = [];
  for (const p of pipelines) {
    if ((p.op === '&&' && status !== 0) || (p.op === '||' && status === 0)) continue;
    let input = ctx.stdin;
    for (let k = 0; k < p.commands.length; k++) {
      const c = p.commands[k];
      const r = await run(c.words, input);
      notes.push(...(r.notes ?? []));
      const route = (where: 'out' | 'err' | 'null', text: string) => (where === 'out' ? { out: text, err: '' } : where === 'err' ? { out: '', err: text } : { out: '', err: '' });
      const a = route(c.stdout, r.stdout);
      const b = route(c.stderr, r.stderr);
      const last = k === p.commands.length - 1;
      if (last) stdout += a.out + b.out;
      else input = a.out + b.out;
      stderr += a.err + b.err;
      status = r.exitCode;
    }
  }
  return { stdout, stderr, exitCode: status, notes };
}
