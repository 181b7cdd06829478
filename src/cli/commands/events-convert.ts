import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import type { Readable } from 'node:stream'
import { toHubError } from '../../contracts/index.ts'
import { createDialectConverter, DIALECTS, type DialectName, isDialectName } from '../../dialects/index.ts'
import { parseArgs } from '../args.ts'
import { printedHelp } from '../help.ts'
import { type CommandGroup, writeLine } from '../io.ts'

const USAGE = [
  'usage: localhub events convert [--from DIALECT|auto] [--to DIALECT] [FILE|-]',
  '',
  `  dialects: ${DIALECTS.join(', ')} (--from defaults to auto, --to to canonical)`,
  '  Reads one JSON object, a JSON array or NDJSON from FILE or stdin and writes one converted',
  '  event per line to stdout. Failures go to stderr with their line (or array item) number;',
  '  the exit code is 1 when any event failed.',
].join('\n')

async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of stream)
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer))
  return Buffer.concat(chunks).toString('utf8')
}

interface Item {
  /** Line number for NDJSON, 1-based item number for a JSON array. */
  number: number
  label: string
  parse: () => unknown
}

/** One JSON value (object or array) when the whole text parses; otherwise NDJSON lines. */
function itemsOf(text: string): Item[] {
  let whole: unknown
  let parsedWhole = false
  try {
    whole = JSON.parse(text)
    parsedWhole = true
  } catch {
    // Not one JSON value: read it as NDJSON below.
  }
  if (parsedWhole) {
    if (Array.isArray(whole))
      return whole.map((value, index) => ({ number: index + 1, label: 'item', parse: () => value }))
    return [{ number: 1, label: 'line', parse: () => whole }]
  }
  const items: Item[] = []
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return
    items.push({ number: index + 1, label: 'line', parse: () => JSON.parse(line) })
  })
  return items
}

function describe(error: unknown): string {
  if (error instanceof SyntaxError) return `E_BAD_REQUEST not JSON: ${error.message}`
  const hubError = toHubError(error)
  const issues = hubError.details?.issues ?? []
  const shown = issues.slice(0, 5).map((issue) => `\n    ${issue.message}`)
  const more = issues.length > 5 ? `\n    … ${issues.length - 5} more` : ''
  return `${hubError.code} ${hubError.message}${shown.join('')}${more}`
}

export const run: CommandGroup = async (args, io) => {
  let parsed: ReturnType<
    typeof parseArgs<{
      options: { from: { type: 'string' }; to: { type: 'string' }; help: { type: 'boolean' } }
      allowPositionals: true
    }>
  >
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: { from: { type: 'string' }, to: { type: 'string' }, help: { type: 'boolean' } },
    })
  } catch (error) {
    writeLine(io.stderr, `localhub events convert: ${(error as Error).message}\n\n${USAGE}`)
    return 2
  }
  const { values, positionals } = parsed
  if (printedHelp(values, io, USAGE)) return 0
  const from = values.from ?? 'auto'
  const to = values.to ?? 'canonical'
  if ((from !== 'auto' && !isDialectName(from)) || !isDialectName(to) || positionals.length > 1) {
    writeLine(io.stderr, `localhub events convert: bad arguments (--from ${from}, --to ${to})\n\n${USAGE}`)
    return 2
  }
  const file = positionals[0] ?? '-'
  let text: string
  try {
    text = file === '-' ? await readAll(io.stdin) : await readFile(resolve(io.cwd, file), 'utf8')
  } catch (error) {
    writeLine(io.stderr, `localhub events convert: cannot read ${file}: ${(error as Error).message}`)
    return 1
  }
  const converter = createDialectConverter()
  let failed = 0
  for (const item of itemsOf(text)) {
    try {
      const envelope = converter.toCanonical(from as DialectName | 'auto', item.parse())
      const output = to === 'canonical' ? envelope : converter.fromCanonical(to, envelope)
      writeLine(io.stdout, JSON.stringify(output))
    } catch (error) {
      failed++
      writeLine(io.stderr, `${item.label} ${item.number}: ${describe(error)}`)
    }
  }
  return failed > 0 ? 1 : 0
}
