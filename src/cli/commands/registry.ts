import { dirname, resolve } from 'node:path'
import {
  DEFAULT_CATALOG_DIR,
  diffGenerated,
  formatFindings,
  generateCatalogFiles,
  hasErrors,
  lintCatalog,
  loadCatalog,
  scaffoldEntry,
  writeGenerated,
} from '../../catalog/index.ts'
import type { Channel, EventKind } from '../../contracts/index.ts'
import { parseArgs } from '../args.ts'
import { verbUsage } from '../help.ts'
import { type CommandGroup, type CommandIo, writeLine } from '../io.ts'

const USAGE = `usage: localhub registry <verb> [options]

  lint      check the catalog; exit 1 on errors
            --json (findings as JSON)  --strict (warnings fail too)  --baseline FILE|none
  gen       write every generated file (registry.json, TypeScript, Python, AsyncAPI, docs)
            --out DIR (project root)  --check (compare only; exit 1 when out of date)  --force
  docs      write docs/events only   --out DIR
  scaffold  <type> --kind event|command|reply [--version N] [--summary TEXT] [--channel NAME]

Every verb takes --catalog DIR (default: the catalog shipped with this package).`

type Parsed = ReturnType<typeof parse>

function parse(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      catalog: { type: 'string' },
      out: { type: 'string' },
      json: { type: 'boolean' },
      strict: { type: 'boolean' },
      baseline: { type: 'string' },
      check: { type: 'boolean' },
      force: { type: 'boolean' },
      kind: { type: 'string' },
      version: { type: 'string' },
      summary: { type: 'string' },
      channel: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  })
}

function paths(parsed: Parsed, io: CommandIo) {
  const catalog = parsed.values.catalog ? resolve(io.cwd, parsed.values.catalog) : DEFAULT_CATALOG_DIR
  // The catalog folder sits at the project root, so generated files go next to it by default.
  const out = parsed.values.out ? resolve(io.cwd, parsed.values.out) : dirname(resolve(catalog))
  return { catalog, out }
}

function lint(parsed: Parsed, io: CommandIo): number {
  const { catalog } = paths(parsed, io)
  const baseline = parsed.values.baseline
  const findings = lintCatalog(catalog, {
    ...(baseline === undefined ? {} : { baseline: baseline === 'none' ? false : resolve(io.cwd, baseline) }),
  })
  writeLine(io.stdout, parsed.values.json ? JSON.stringify(findings, null, 2) : formatFindings(findings))
  return hasErrors(findings) || (parsed.values.strict && findings.length > 0) ? 1 : 0
}

function gen(parsed: Parsed, io: CommandIo, docsOnly: boolean): number {
  const { catalog, out } = paths(parsed, io)
  const findings = lintCatalog(catalog)
  if (hasErrors(findings) && !parsed.values.force && !parsed.values.check) {
    writeLine(
      io.stderr,
      `${formatFindings(findings.filter((item) => item.level === 'error'))}\nnot generating from a catalog with errors (--force to write anyway)`,
    )
    return 1
  }
  const all = generateCatalogFiles(loadCatalog(catalog).document)
  const files = docsOnly ? all.filter((file) => file.path.startsWith('docs/events/')) : all
  if (parsed.values.check) {
    const diff = diffGenerated(out, files)
    const problems = [
      ...diff.changed.map((path) => `differs: ${path}`),
      ...diff.missing.map((path) => `missing: ${path}`),
      ...diff.stale
        .filter((path) => !docsOnly || path.startsWith('docs/events/'))
        .map((path) => `stale:   ${path}`),
    ]
    if (problems.length === 0) {
      writeLine(io.stdout, `${files.length} generated files are up to date`)
      return 0
    }
    writeLine(io.stderr, `${problems.join('\n')}\ngenerated files are out of date: run \`npm run gen\``)
    return 1
  }
  const report = writeGenerated(out, files)
  for (const path of report.written) writeLine(io.stdout, `wrote   ${path}`)
  for (const path of report.removed) writeLine(io.stdout, `removed ${path}`)
  writeLine(
    io.stdout,
    `${report.written.length} written, ${report.removed.length} removed, ${report.unchanged} unchanged`,
  )
  return 0
}

function scaffold(parsed: Parsed, io: CommandIo): number {
  const [type, ...extra] = parsed.positionals.slice(1)
  const kind = parsed.values.kind ?? 'event'
  const version = Number(parsed.values.version ?? '1')
  if (type === undefined || extra.length > 0) {
    writeLine(io.stderr, 'usage: localhub registry scaffold <type> --kind event|command|reply [--version N]')
    return 2
  }
  if (!/^[0-9]+$/.test(parsed.values.version ?? '1')) {
    writeLine(
      io.stderr,
      `localhub registry scaffold: --version must be a whole number, got ${JSON.stringify(parsed.values.version)}`,
    )
    return 2
  }
  const report = scaffoldEntry(paths(parsed, io).catalog, {
    type,
    kind: kind as EventKind,
    version,
    ...(parsed.values.summary === undefined ? {} : { summary: parsed.values.summary }),
    ...(parsed.values.channel === undefined ? {} : { channel: parsed.values.channel as Channel }),
  })
  for (const warning of report.warnings) writeLine(io.stderr, `warning: ${warning}`)
  for (const path of report.created) writeLine(io.stdout, `created ${path}`)
  writeLine(
    io.stdout,
    'next: describe the payload in schema.json, fill the examples, run `localhub registry lint`',
  )
  return 0
}

export const run: CommandGroup = async (args, io) => {
  let parsed: Parsed
  try {
    parsed = parse(args)
  } catch (cause) {
    writeLine(io.stderr, `localhub registry: ${(cause as Error).message}\n\n${USAGE}`)
    return 2
  }
  const verb = parsed.positionals[0]
  const usageExit = verbUsage(parsed.values.help === true, verb, io, USAGE)
  if (usageExit !== undefined) return usageExit
  try {
    switch (verb) {
      case 'lint':
        return lint(parsed, io)
      case 'gen':
        return gen(parsed, io, false)
      case 'docs':
        return gen(parsed, io, true)
      case 'scaffold':
        return scaffold(parsed, io)
      default:
        writeLine(io.stderr, `localhub registry: unknown verb '${verb}'\n\n${USAGE}`)
        return 2
    }
  } catch (cause) {
    const error = cause as { code?: string; message?: string }
    writeLine(
      io.stderr,
      `localhub registry ${verb}: ${error.code ? `${error.code}: ` : ''}${error.message ?? String(cause)}`,
    )
    return 1
  }
}
