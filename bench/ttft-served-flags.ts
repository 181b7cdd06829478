// The kernel-chat first-token rows once more in a child process started with the node flags
// `localhub serve` runs under (the shebang of bin/localhub.js, which the service unit test keeps
// equal to HUB_NODE_FLAGS; decision 1712: `--max-semi-space-size=4`). bench/run.ts starts every
// bench without them, so the in-process rows collect the young generation less often than a served
// hub does. The child's rows are `kernel.ttft.served-flags.*` (decision 2063).
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/** Set in the child: the bench prints only its in-process first-token rows, under this prefix. */
export const SERVED_FLAGS_CHILD_ENV = 'BENCH_SERVED_FLAGS_CHILD'
export const SERVED_FLAGS_ROW_PREFIX = 'kernel.ttft.served-flags.'

/** The node flags in bin/localhub.js's shebang (`#!/usr/bin/env -S node <flags>`). */
export function servedNodeFlags(): string[] {
  const bin = readFileSync(fileURLToPath(new URL('../bin/localhub.js', import.meta.url)), 'utf8')
  const shebang = bin.slice(0, bin.indexOf('\n'))
  const words = shebang.split(/\s+/)
  const node = words.indexOf('node')
  if (!shebang.startsWith('#!') || node < 0) throw new Error(`no node in the shebang ${shebang}`)
  return words.slice(node + 1).filter((word) => word !== '')
}

export function isServedFlagsChild(): boolean {
  return process.env[SERVED_FLAGS_CHILD_ENV] === '1'
}

/** Runs `benchFile` again under the served flags; its JSON lines go to this process's stdout. */
export function runServedFlagsRows(benchFile: string): void {
  const flags = servedNodeFlags()
  process.stderr.write(`# ${SERVED_FLAGS_ROW_PREFIX}* under node ${flags.join(' ')}\n`)
  const child = spawnSync(process.execPath, [...flags, '--import', 'tsx', '--expose-gc', benchFile], {
    stdio: 'inherit',
    env: { ...process.env, [SERVED_FLAGS_CHILD_ENV]: '1', BENCH_TTFT_ONLY: '1' },
  })
  if (child.status !== 0) throw new Error(`the served-flags rows failed with exit code ${child.status}`)
}
