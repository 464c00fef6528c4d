// The `flatnet` command: parses arguments, runs a verb, and turns errors into messages and exit codes
// (0 success, 1 a runtime failure such as a missing object, 2 bad input or usage).

import { Command, CommanderError, Option } from 'commander';
import { formatProblem, InputError } from '../../core/errors.js';
import { runGet } from './get.js';
import { CliIO, processIO } from './io.js';
import { UsageError } from './load.js';
import { runUp } from './up.js';

const collect = (v: string, prev: string[]) => [...prev, v];

function buildProgram(io: CliIO, setCode: (c: number) => void): Command {
  const program = new Command('flatnet')
    .description('The Kubernetes network, runnable and explainable on one machine.')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError(false);

  program
    .command('get')
    .description('Display objects of the modelled cluster, exactly as kubectl get prints them')
    .argument('<type>', 'resource type(s): pods, svc, deploy, nodes, ... comma-separated, or all')
    .argument('[names...]', 'object names')
    .option('-n, --namespace <ns>', 'namespace', undefined)
    .option('-A, --all-namespaces', 'list across all namespaces')
    .option('-l, --selector <selector>', 'label selector, e.g. app=web,tier!=db')
    .addOption(new Option('-o, --output <format>', 'output format: wide|yaml|json|name'))
    .option('-f, --filename <path>', 'manifest file, directory, or - for stdin (repeatable)', collect, [])
    .option('--show-labels', 'show all labels as the last column')
    .option('--no-headers', 'do not print headers')
    .action(async (type: string, names: string[], opts) => setCode(await runGet(type, names, opts, io)));

  program
    .command('up')
    .description('Run the cluster model as a long-lived process that re-applies when inputs change')
    .option('-f, --filename <path>', 'manifest file, directory, or - for stdin (repeatable)', collect, [])
    .option('--state <dir>', 'directory of the embedded state store', './.flatnet')
    .action(async (opts) => {
      const stopped = new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      });
      setCode(await runUp({ filename: opts.filename, state: opts.state, stopped }, io));
    });
  return program;
}

/** Runs the CLI with `argv` (without node and script); resolves to the exit code. */
export async function main(argv: string[], io: CliIO = processIO()): Promise<number> {
  let code = 0;
  const program = buildProgram(io, (c) => (code = c));
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
      return 2; // commander already printed the message
    }
    if (e instanceof InputError) {
      for (const p of e.problems) io.stderr(`${formatProblem(p)}\n`);
      io.stderr(`${e.problems.length} error(s); nothing was applied\n`);
      return 2;
    }
    if (e instanceof UsageError) {
      io.stderr(`error: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}
