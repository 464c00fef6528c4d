#!/usr/bin/env node
// Entry point of the `flatnet` command: runs the compiled CLI.
import { main } from '../dist/src/frontends/cli/main.js';

main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
