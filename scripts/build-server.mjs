// Compiles src/**/*.ts (tests excluded) to dist/ with esbuild, one file per file, so `localhub`
// runs plain JavaScript without tsx's loader thread (decision 0002 of issue 17's work: 1700s).
// dist/ mirrors src/ at the same depth, so paths the code builds from import.meta.url
// ('../../catalog/…') resolve to the same files. bin/localhub.js uses dist/ only while it is
// fresh: the stamp lists every source file with its size and mtime.
//
//   node scripts/build-server.mjs            build dist/
//   node scripts/build-server.mjs --check    exit 1 when dist/ is missing or stale
import { createHash } from 'node:crypto'
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const SOURCE = join(ROOT, 'src')
const OUTPUT = join(ROOT, 'dist')
const STAMP_NAME = '.build-stamp'

/** Every .ts file the server runs (tests and declaration files are not compiled). */
export function sourceFiles(directory = SOURCE) {
  const files = []
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const full = join(directory, entry.name)
    if (entry.isDirectory()) files.push(...sourceFiles(full))
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && !entry.name.endsWith('.d.ts'))
      files.push(full)
  }
  return files.sort()
}

/** A digest of every source file's path, size and mtime: what "fresh" means for dist/. */
export function sourceStamp(files = sourceFiles()) {
  const hash = createHash('sha256')
  for (const file of files) {
    const info = statSync(file)
    hash.update(`${relative(SOURCE, file)}\0${info.size}\0${info.mtimeMs}\n`)
  }
  return hash.digest('hex')
}

export function isFresh() {
  try {
    return readFileSync(join(OUTPUT, STAMP_NAME), 'utf8').trim() === sourceStamp()
  } catch {
    return false
  }
}

// esbuild prints relative specifiers in double quotes; dynamic imports built from a template
// literal (`./commands/${group}.ts`) keep their backquotes.
const STATIC_SPECIFIER = /((?:\bfrom|\bimport)\s*\(?\s*")(\.{1,2}\/[^"]*)\.ts(")/g
const TEMPLATE_SPECIFIER = /(\bimport\(`\.{1,2}\/[^`]*)\.ts(`\))/g
const LEFT_OVER = /(?:\bfrom|\bimport)\s*\(?\s*["`]\.{1,2}\/[^"`]*\.ts["`]/

export function rewriteSpecifiers(code, file) {
  const rewritten = code.replace(STATIC_SPECIFIER, '$1$2.js$3').replace(TEMPLATE_SPECIFIER, '$1.js$2')
  const left = LEFT_OVER.exec(rewritten)
  if (left) throw new Error(`${file}: an import of a .ts file was not rewritten: ${left[0]}`)
  return rewritten
}

async function build() {
  const { transformSync } = await import('esbuild')
  const files = sourceFiles()
  const stamp = sourceStamp(files)
  // Build beside dist/ and swap, so a running hub never sees a half-written tree.
  const staging = `${OUTPUT}.staging-${process.pid}`
  rmSync(staging, { recursive: true, force: true })
  for (const file of files) {
    const { code } = transformSync(readFileSync(file, 'utf8'), {
      loader: 'ts',
      format: 'esm',
      target: 'node20',
      sourcefile: file,
    })
    const target = join(staging, relative(SOURCE, file)).replace(/\.ts$/, '.js')
    mkdirSync(dirname(target), { recursive: true })
    writeFileSync(target, rewriteSpecifiers(code, file))
  }
  writeFileSync(join(staging, STAMP_NAME), `${stamp}\n`)
  rmSync(OUTPUT, { recursive: true, force: true })
  renameSync(staging, OUTPUT)
  return files.length
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--check')) {
    const fresh = isFresh()
    process.stdout.write(
      fresh ? 'dist/ is fresh\n' : 'dist/ is missing or stale: run `npm run build:server`\n',
    )
    process.exit(fresh ? 0 : 1)
  }
  const started = performance.now()
  const count = await build()
  process.stdout.write(`compiled ${count} files to dist/ in ${Math.round(performance.now() - started)} ms\n`)
}
