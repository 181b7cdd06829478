// Which build of the hub a benchmark loads: the TypeScript sources (through the bench's tsx, whose
// transform keeps function names, so every closure the hub creates is also renamed by an
// Object.defineProperty call) or the JavaScript scripts/build-server.mjs compiles to dist/, which is
// what `localhub serve` runs (bin/localhub.js) and pays none of that. Benches run a child process
// per build, under the served node flags, so the two are read side by side (decision 2081).
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type * as BusFactory from '../src/bus-factory/index.ts'
import type * as Kernel from '../src/kernel/index.ts'
import type * as LlmSkill from '../src/skills/llm/index.ts'
import type * as Store from '../src/store/index.ts'

export type HubRuntime = 'sources' | 'compiled'

/** Set in a bench's child process: the build of the hub it loads. Unset means the sources. */
export const HUB_RUNTIME_ENV = 'BENCH_HUB_RUNTIME'

const ROOT = fileURLToPath(new URL('..', import.meta.url))

export function hubRuntime(env: NodeJS.ProcessEnv = process.env): HubRuntime {
  const value = env[HUB_RUNTIME_ENV] ?? 'sources'
  if (value !== 'sources' && value !== 'compiled')
    throw new Error(`${HUB_RUNTIME_ENV}=${value}: use sources or compiled`)
  return value
}

/**
 * Builds dist/ with scripts/build-server.mjs unless it already matches the sources (its isFresh),
 * in this checkout or another one (a baseline's, with its own build script).
 */
export function ensureCompiledHub(root: string = ROOT): void {
  const check = spawnSync(process.execPath, ['scripts/build-server.mjs', '--check'], { cwd: root })
  if (check.status === 0) return
  const build = spawnSync(process.execPath, ['scripts/build-server.mjs'], { cwd: root, encoding: 'utf8' })
  if (build.status !== 0) throw new Error(`scripts/build-server.mjs failed: ${build.stderr}`)
  process.stderr.write(`# ${build.stdout.trim()}\n`)
}

/** The modules the hub benches use, from the sources or from dist/ (same layout, .js for .ts). */
export interface HubModules {
  runtime: HubRuntime
  kernel: typeof Kernel
  busFactory: typeof BusFactory
  store: typeof Store
  llm: typeof LlmSkill
}

export async function loadHubModules(runtime: HubRuntime): Promise<HubModules> {
  // Computed specifiers, so neither build is loaded unless asked for.
  const load = (folder: string) =>
    runtime === 'compiled' ? import(`../dist/${folder}/index.js`) : import(`../src/${folder}/index.ts`)
  const [kernel, busFactory, store, llm] = await Promise.all([
    load('kernel'),
    load('bus-factory'),
    load('store'),
    load('skills/llm'),
  ])
  const modules = { runtime, kernel, busFactory, store, llm } as HubModules
  if (runtime === 'compiled' && keepsNames(modules.kernel.openHub))
    throw new Error("dist/ was loaded through a transform that keeps names: it is not the served hub's code")
  return modules
}

/**
 * Whether a function's code went through a transform that keeps names (tsx's esbuild options): its
 * inner functions are wrapped in esbuild's `__name(fn, "name")`, a defineProperty call each.
 */
export function keepsNames(fn: (...args: never[]) => unknown): boolean {
  return /\b__name\(/.test(fn.toString())
}
