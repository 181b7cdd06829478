// Architecture rule: a bounded context (a folder under src/, or src/skills/<name>, src/transports/<name>)
// is reached from outside only through its index.ts. Run by `npm run lint`, so by `npm test`.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'

const ROOT = resolve(import.meta.dirname, '..')
const NESTED_CONTEXT_PARENTS = new Set(['skills', 'transports'])
const SCANNED = ['src', 'test', 'bench', 'scripts']
const IMPORT_PATTERN =
  /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm

function contextOf(file: string): string | undefined {
  const parts = relative(ROOT, file).split(sep)
  if (parts[0] !== 'src' || parts.length < 3) return undefined
  const top = parts[1]!
  if (NESTED_CONTEXT_PARENTS.has(top) && parts.length >= 4) return `src/${top}/${parts[2]}`
  return `src/${top}`
}

function* sourceFiles(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue
    const full = join(dir, name)
    if (statSync(full).isDirectory()) yield* sourceFiles(full)
    else if (/\.(ts|tsx)$/.test(name)) yield full
  }
}

const violations: string[] = []
for (const top of SCANNED) {
  let files: Generator<string>
  try {
    statSync(join(ROOT, top))
    files = sourceFiles(join(ROOT, top))
  } catch {
    continue
  }
  for (const file of files) {
    const from = contextOf(file)
    const text = readFileSync(file, 'utf8')
    for (const match of text.matchAll(IMPORT_PATTERN)) {
      const specifier = match[1] ?? match[2]
      if (specifier === undefined || !specifier.startsWith('.')) continue
      const target = resolve(dirname(file), specifier)
      const to = contextOf(target)
      if (to === undefined || to === from) continue
      const allowed = [join(ROOT, to, 'index.ts'), join(ROOT, to, 'index.js'), join(ROOT, to)]
      if (!allowed.includes(target)) {
        violations.push(`${relative(ROOT, file)}: imports ${specifier} — use ${to}/index.ts instead`)
      }
    }
  }
}

if (violations.length > 0) {
  process.stderr.write(`boundary check failed (${violations.length}):\n${violations.join('\n')}\n`)
  process.exit(1)
}
process.stdout.write('boundary check: every cross-folder import goes through an index.ts\n')
