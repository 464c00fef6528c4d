// A program for end-to-end tests: serves the API over manifests with its state in a given directory, prints
// `READY <kubeconfig>` once serving, and runs until killed (tests kill it with SIGKILL to check durability).
// Usage: node dist/src/testing/api-server-child.js <dir> <manifest path>...

import { FixedClock } from '../core/clock.js';
import { TEST_NOW } from './cluster.js';
import { startApiHarness } from './kubectl.js';

const [dir, ...paths] = process.argv.slice(2);
const h = await startApiHarness({ paths }, new FixedClock(TEST_NOW), { dir });
process.stdout.write(`READY ${h.api.kubeconfigPath}\n`);
process.on('SIGTERM', () => void h.stop().then(() => process.exit(0)));
