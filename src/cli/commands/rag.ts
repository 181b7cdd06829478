import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { MAX_TOP_K, openRagStore, type RagHit } from '../../skills/rag/index.ts'
import { parseArgs } from '../args.ts'
import { printedHelp } from '../help.ts'
import { type CommandGroup, type CommandIo, guardCommand, UsageError, writeLine } from '../io.ts'
import { dataDirFor } from './data-dir.ts'

const USAGE = [
  'usage: localhub rag <verb> [options]',
  '',
  '  index PATH... [--full] [--max-file-size BYTES] [--verbose] [--json]',
  '        index files and folders (incremental by content hash; --full re-chunks everything)',
  '  search QUERY [--top-k N] [--json]',
  '        BM25 search over the indexed chunks (hybrid with vectors when the running hub embeds)',
  '',
  'Works directly on <data>/rag.sqlite (--data DIR, default ~/.local/share/localhub).',
].join('\n')

const OPTIONS = {
  data: { type: 'string' },
  full: { type: 'boolean' },
  'max-file-size': { type: 'string' },
  'top-k': { type: 'string' },
  verbose: { type: 'boolean', short: 'v' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const

function integerOption(value: string | undefined, name: string, maximum: number): number | undefined {
  if (value === undefined) return undefined
  const parsed = /^\d+$/.test(value) ? Number(value) : Number.NaN
  if (!(parsed >= 1 && parsed <= maximum)) {
    throw new UsageError(`--${name} must be an integer from 1 to ${maximum}, got '${value}'`)
  }
  return parsed
}

function formatHit(hit: RagHit, rank: number): string {
  const where = `${hit.location.path}:${hit.location.startLine}-${hit.location.endLine}`
  const snippet = hit.snippet.replace(/\s+/g, ' ').trim()
  return `${rank}. ${hit.title}  ${where}  (score ${hit.score.toFixed(4)})\n   ${snippet}`
}

async function execute(args: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true })
  const [verb, ...rest] = positionals
  if (printedHelp(values, io, USAGE)) return 0
  if (verb === undefined) throw new UsageError('missing verb')
  const path = join(dataDirFor(values.data, io), 'rag.sqlite')

  if (verb === 'index') {
    if (rest.length === 0) throw new UsageError('index needs at least one PATH')
    const maxFileSizeBytes = integerOption(values['max-file-size'], 'max-file-size', Number.MAX_SAFE_INTEGER)
    const store = openRagStore({ path, ...(maxFileSizeBytes === undefined ? {} : { maxFileSizeBytes }) })
    try {
      const summary = await store.indexPaths({
        paths: rest,
        mode: values.full === true ? 'full' : 'incremental',
        cwd: io.cwd,
        onProgress: (progress) => {
          if (values.verbose === true) {
            writeLine(
              io.stderr,
              `[${progress.done}/${progress.total}] ${progress.status} ${progress.file} (${progress.chunks} chunks)`,
            )
          }
        },
      })
      if (values.json === true) {
        writeLine(io.stdout, JSON.stringify(summary))
      } else {
        writeLine(
          io.stdout,
          `${summary.files} files: ${summary.indexed} indexed, ${summary.unchanged} unchanged, ` +
            `${summary.removed} removed, ${summary.skipped.length} skipped; ${summary.chunksWritten} chunks written ` +
            `in ${Math.round(summary.durationMs)} ms`,
        )
        for (const skipped of summary.skipped)
          writeLine(io.stderr, `skipped ${skipped.path}: ${skipped.reason}`)
      }
      return 0
    } finally {
      store.close()
    }
  }

  if (verb === 'search') {
    const query = rest.join(' ')
    if (query.trim() === '') throw new UsageError('search needs a QUERY')
    const topK = integerOption(values['top-k'], 'top-k', MAX_TOP_K)
    if (!existsSync(path)) {
      writeLine(io.stderr, `localhub rag: no index at ${path}; run \`localhub rag index PATH\` first`)
      return 1
    }
    const store = openRagStore({ path })
    try {
      const hits = await store.search({ query, ...(topK === undefined ? {} : { topK }) })
      if (values.json === true) writeLine(io.stdout, JSON.stringify({ hits }))
      else if (hits.length === 0) writeLine(io.stderr, 'no matches')
      else for (const [index, hit] of hits.entries()) writeLine(io.stdout, formatHit(hit, index + 1))
      return 0
    } finally {
      store.close()
    }
  }
  throw new UsageError(`unknown verb '${verb}'`)
}

export const run: CommandGroup = guardCommand('rag', USAGE, execute)
