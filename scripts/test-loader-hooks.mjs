// The module hooks scripts/test-loader.mjs registers for the test files' processes: a TypeScript
// file is compiled by esbuild with the options tsx uses (the project's tsconfig, node's own target,
// an inline source map, names kept), and the output is kept on disk under a digest of everything
// that shapes it. Why not tsx itself: every test file is a process of its own, and tsx's hooks
// cost about 0.2 s of CPU per process more than these (decision 2057). Everything else (resolution,
// JSON, node_modules) is node's own. Plain JavaScript: it runs before any TypeScript can.
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { openCacheDirectory, readEntry, writeEntry } from './test-loader-cache.mjs'

/** Bump when the compile options below change: the digest then misses every old entry. */
const CACHE_FORMAT = 2
const ROOT = fileURLToPath(new URL('..', import.meta.url))
const TYPESCRIPT = /\.(ts|mts|tsx)$/

// The repository's tsconfig, as tsx reads it (from the working directory, for every file).
const COMPILER_OPTIONS = JSON.parse(readFileSync(join(ROOT, 'tsconfig.json'), 'utf8')).compilerOptions
// Another esbuild may compile differently: its version is part of every digest.
const ESBUILD_VERSION = JSON.parse(
  readFileSync(join(ROOT, 'node_modules', 'esbuild', 'package.json'), 'utf8'),
).version

let esbuild
/** Opened on the first TypeScript file; null when the cache cannot be used (files compile anyway). */
let cacheDir

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
  cacheDir ??= openCacheDirectory() ?? null
  let code = cacheDir === null ? undefined : readEntry(cacheDir, digest)
  if (code === undefined) {
    code = await compile(path, source)
    if (cacheDir !== null) writeEntry(cacheDir, digest, code)
  }
  return { format: 'module', source: code, shortCircuit: true }
}
