#!/usr/bin/env bun
import { runCli } from './cli/index.ts'

// No top-level await: the compiled binary is built with --bytecode, which needs a plain script.
void runCli(process.argv.slice(2)).then((code) => process.exit(code))
