// The kernel-chat first-token rows once more with the hub users run: compiled to dist/ by
// scripts/build-server.mjs, in a child under the served node flags, as the sources hub's
// `kernel.ttft.served-flags.*` rows are (decision 2063). Only the hub differs between the two
// children: client, model server and flags are the same. Rows `kernel.ttft.compiled.*` (decision 2081).
import { spawnSync } from 'node:child_process'
import { ensureCompiledHub, HUB_RUNTIME_ENV } from './hub-runtime.ts'
import { SERVED_FLAGS_CHILD_ENV, servedNodeFlags } from './ttft-served-flags.ts'

export const COMPILED_ROW_PREFIX = 'kernel.ttft.compiled.'

/** Runs `benchFile` again under the served flags with the dist/ hub; its JSON lines go to stdout. */
export function runCompiledRows(benchFile: string): void {
  ensureCompiledHub()
  const flags = servedNodeFlags()
  process.stderr.write(`# ${COMPILED_ROW_PREFIX}* (dist/) under node ${flags.join(' ')}\n`)
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    [SERVED_FLAGS_CHILD_ENV]: '1',
    [HUB_RUNTIME_ENV]: 'compiled',
    BENCH_TTFT_ONLY: '1',
  }
  // A baseline checkout is compared compiled too: its dist/ is built (or kept when fresh) by its own
  // build script, and the child opens it beside this checkout's (decision 2099).
  const baseline = env.BENCH_BASELINE
  if (baseline !== undefined) ensureCompiledHub(baseline)
  const child = spawnSync(process.execPath, [...flags, '--import', 'tsx', '--expose-gc', benchFile], {
    stdio: 'inherit',
    env,
  })
  if (child.status !== 0) throw new Error(`the compiled rows failed with exit code ${child.status}`)
}
