// The --server and --state options of the verbs that can ask a running `flatnet up` (kept apart from remote.ts so that
// building the command line loads nothing a verb does not use).

import { Option } from 'commander';

/** Where `flatnet up` keeps its state by default, and so its kubeconfig. */
export const DEFAULT_STATE_DIR = './.flatnet';

/** `--server` for can, matrix and trace. */
export function serverOption(): Option {
  return new Option('--server', 'ask the running flatnet up (its current state) instead of reading -f: the API server named by <state>/kubeconfig or --kubeconfig');
}

/** `--state` beside --server: the directory of the running instance, whose kubeconfig names its API server. */
export function stateOption(): Option {
  return new Option('--state <dir>', 'with --server: the state directory of the running flatnet up (its kubeconfig is <dir>/kubeconfig)').default(DEFAULT_STATE_DIR);
}
