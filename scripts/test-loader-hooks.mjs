// The module hooks scripts/test-loader.mjs registers for the test files' processes: a TypeScript
// file is compiled by esbuild with the options tsx uses (the project's tsconfig, node's own target,
// an inline source map, names kept), and the output is kept on disk under a digest of everything
// that shapes it. Why not tsx itself: every test file is a process of its own, and tsx's hooks
// cost about 0.2 s of CPU per process more than these (decision 2057). Everything else (resolution,
// JSON, node_modules) is node's own. Plain JavaScript: it runs before any TypeScript can.
import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** Bump when the compile options below change: the digest then misses every old entry. */
const CACHE_FORMAT = 1
const ROOT = fileURLToPath(new URL('..', import.meta.url))
const TYPESCRIPT = /\.(ts|mts|tsx)$/

// The repository's tsconfig, as tsx reads it (from the working directory, for every file).
const COMPILER_OPTIONS = JSON.parse(readFileSync(join(ROOT, 'tsconfig.json'), 'utf8')).compilerOptions
// Another esbuild may compile differently: its version is part of every digest.
const ESBUILD_VERSION = JSON.parse(
  readFileSync(join(ROOT, 'node_modules', 'esbuild', 'package.json'), 'utf8'),
).version

let esbuild
let cacheDir

function cacheDirectory() {
  if (cacheDir === undefined) {
    let user = 'user'
    try {
      user = String(userInfo().uid)
    } catch {
      // no passwd entry: one shared name is still correct, entries are keyed by content
    }
    cacheDir = join(tmpdir(), `localhub-test-loader-${user}`)
    mkdirSync(cacheDir, { recursive: true })
  }
  return cacheDir
}

async function compile(path, source) {
  esbuild ??= await import('esbuild')
  const loader = path.endsWith('.tsx') ? 'tsx' : 'ts'
  return esbuild.transformSync(source, {
    loader,
    format: 'esm',
    target: `node${process.versions.node}`,
    sourcefile: path,
    sourcemap: 'inline',
    minifyWhitespace: true,
    keepNames: true,
    tsconfigRaw: { compilerOptions: COMPILER_OPTIONS },
  }).code
}

export async function load(url, context, nextLoad) {
  if (!url.startsWith('file:') || !TYPESCRIPT.test(url)) return nextLoad(url, context)
  const path = fileURLToPath(url)
  const source = readFileSync(path, 'utf8')
  const digest = createHash('sha256')
    .update(
      `${CACHE_FORMAT}\0${process.versions.node}\0${ESBUILD_VERSION}\0${JSON.stringify(COMPILER_OPTIONS)}\0${path}\0${source}`,
    )
    .digest('hex')
  const cached = join(cacheDirectory(), `${digest}.mjs`)
  let code
  try {
    code = readFileSync(cached, 'utf8')
  } catch {
    code = await compile(path, source)
    // Written aside and renamed: another shard reading the same entry never sees half of it.
    const partial = `${cached}.${process.pid}.partial`
    writeFileSync(partial, code)
    renameSync(partial, cached)
  }
  return { format: 'module', source: code, shortCircuit: true }
}
