import { readFile, stat } from 'node:fs/promises'
import { resolve } from 'node:path'
import type { Readable } from 'node:stream'
import type { Bus, PublishReceipt } from '../../bus/index.ts'
import { openBus } from '../../bus-factory/index.ts'
import { loadCatalog, loadRegistry } from '../../catalog/index.ts'
import {
  createContracts,
  ENVELOPE_FIELDS,
  type Envelope,
  fail,
  HubError,
  ok,
  type Result,
} from '../../contracts/index.ts'
import {
  createDialectConverter,
  type DialectConverter,
  type DialectName,
  detectDialect,
  isDialectName,
} from '../../dialects/index.ts'
import { parseArgs } from '../args.ts'
import { printedHelp } from '../help.ts'
import { type CommandGroup, type CommandIo, writeLine } from '../io.ts'

/** The most input read at all; beyond it the command refuses rather than fill memory. */
export const DEFAULT_MAX_INPUT_BYTES = 512 * 1024 * 1024
/** Up to this size a file is first tried as one JSON document (an object or an array of events). */
export const DEFAULT_MAX_DOCUMENT_BYTES = 64 * 1024 * 1024

const USAGE = `usage: localhub events validate [--dialect auto|canonical|pinchy|adaos|denis|cloudevents] <file|->

Reads one JSON event, a JSON array of events, or NDJSON (one event per line) and checks each one the
way POST /events would take it (same defaults, validation and guardrails, on a throwaway in-memory
bus). Prints one result envelope per event: {"ok":true,"data":{"id","type","line","filled",...}}
(filled: envelope fields ingest would fill in, e.g. tenant) or {"ok":false,"error":{...}}.
Exit code 1 when any event is invalid.
  --dialect NAME   the format of the input (default auto: detected per event)
  --catalog DIR    validate against this catalog folder instead of the generated registry
  --quiet          print only the invalid events`

/** One event of the input: its parsed value (or why it has none) and where it was. */
type InputRecord = { line: number; index?: number } & ({ value: unknown } | { error: HubError })

function parseJsonText(text: string): { value: unknown } | { error: HubError } {
  try {
    return { value: JSON.parse(text) }
  } catch (cause) {
    const reason = cause instanceof RangeError ? 'nested too deeply' : (cause as Error).message
    const binary =
      text.includes('\uFFFD') || text.includes('\u0000') ? ' (binary data, not UTF-8 JSON text?)' : ''
    return { error: new HubError('E_BAD_REQUEST', `not valid JSON: ${reason}${binary}`) }
  }
}

/** Splits the input: a whole JSON document when it is one, NDJSON lines otherwise. */
export function splitRecords(text: string, maxLineBytes: number): InputRecord[] {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
  const start = body.trimStart()[0]
  if ((start === '[' || start === '{') && body.length <= DEFAULT_MAX_DOCUMENT_BYTES) {
    const whole = parseJsonText(body)
    if ('value' in whole) {
      const firstLine = body.slice(0, body.length - body.trimStart().length).split('\n').length
      if (!Array.isArray(whole.value)) return [{ line: firstLine, value: whole.value }]
      return whole.value.map((value, index) => ({ line: firstLine, index, value }))
    }
  }
  const records: InputRecord[] = []
  const lines = body.split('\n')
  for (const [position, raw] of lines.entries()) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw
    if (line.trim() === '') continue
    const bytes = Buffer.byteLength(line)
    if (bytes > maxLineBytes) {
      const message = `line is ${bytes} bytes, larger than the ${maxLineBytes}-byte envelope limit`
      records.push({
        line: position + 1,
        error: new HubError('E_RESOURCE_LIMIT', message, { details: { limitBytes: maxLineBytes } }),
      })
      continue
    }
    records.push({ line: position + 1, ...parseJsonText(line) })
  }
  return records
}

async function readAll(stream: Readable, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of stream) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer)
    size += buffer.byteLength
    if (size > limit) throw new HubError('E_RESOURCE_LIMIT', `input is larger than ${limit} bytes`)
    chunks.push(buffer)
  }
  return Buffer.concat(chunks)
}

async function readInput(source: string, io: CommandIo): Promise<string> {
  if (source === '-') return (await readAll(io.stdin, DEFAULT_MAX_INPUT_BYTES)).toString('utf8')
  const path = resolve(io.cwd, source)
  let size: number
  try {
    size = (await stat(path)).size
  } catch (cause) {
    throw new HubError('E_IO', `cannot read ${source}: ${(cause as Error).message}`, { cause })
  }
  if (size > DEFAULT_MAX_INPUT_BYTES)
    throw new HubError('E_RESOURCE_LIMIT', `${source} is larger than ${DEFAULT_MAX_INPUT_BYTES} bytes`)
  return (await readFile(path)).toString('utf8')
}

type Checked = Result<{
  id: unknown
  type: unknown
  line: number
  index?: number
  dialect?: string
  /** Envelope fields POST /events would fill in (default tenant, id, ts, ...). */
  filled?: string[]
  /** What the guardrails would change before storing (JSON pointers), when anything. */
  guardrails?: unknown
  duplicate?: true
}>

function withPlace(
  result: { ok: false; error: { code: string; message: string; details?: object } },
  record: InputRecord,
) {
  const place =
    record.index === undefined ? { line: record.line } : { line: record.line, index: record.index }
  return { ok: false as const, error: { ...result.error, details: { ...result.error.details, ...place } } }
}

/** The source POST /events gives envelopes that name none (the hub's bus default). */
const INGEST_DEFAULT_SOURCE = 'kernel'

/**
 * Checks each event exactly as POST /events would take it: foreign dialects converted, canonical
 * drafts published unchanged to a throwaway in-memory bus with the same catalog, so defaults
 * (tenant, id, ts, source...), validation and guardrails are the ingest path's own.
 */
async function checkRecord(
  record: InputRecord,
  dialect: DialectName | 'auto',
  bus: Bus,
  converter: DialectConverter,
): Promise<Checked> {
  if ('error' in record) return withPlace(fail(record.error), record) as Checked
  let draft: unknown = record.value
  // Undetectable input is checked as canonical: its errors then name the canonical fields.
  const detected = dialect === 'auto' ? detectDialect(record.value).dialect : dialect
  const used: DialectName = detected === 'unknown' ? 'canonical' : detected
  if (used !== 'canonical') {
    try {
      draft = converter.toCanonical(used, record.value)
    } catch (cause) {
      return withPlace(fail(cause), record) as Checked
    }
  }
  let receipt: PublishReceipt
  try {
    receipt = await bus.publishUntyped(draft)
  } catch (cause) {
    return withPlace(fail(cause), record) as Checked
  }
  const stored = receipt.seq === undefined ? undefined : await storedAt(bus, receipt.seq)
  const given = new Set(isObject(draft) ? Object.keys(draft) : [])
  const filled =
    stored === undefined
      ? []
      : ENVELOPE_FIELDS.filter((field) => field in stored && !given.has(field) && !LOG_FIELDS.has(field))
  const guardrails = isObject(stored?.payload) ? stored.payload._guardrails : undefined
  const place = record.index === undefined ? {} : { index: record.index }
  return ok({
    id: receipt.id,
    type: isObject(draft) ? draft.type : undefined,
    line: record.line,
    ...place,
    ...(used === 'canonical' ? {} : { dialect: used }),
    ...(filled.length === 0 ? {} : { filled }),
    ...(guardrails === undefined ? {} : { guardrails }),
    ...(receipt.duplicate ? { duplicate: true as const } : {}),
  })
}

// seq and sessionSeq belong to the log: a producer never gives them, so they are not "filled".
const LOG_FIELDS = new Set(['seq', 'sessionSeq'])

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

async function storedAt(bus: Bus, seq: number): Promise<Envelope | undefined> {
  for await (const event of bus.replay({ from: { seq }, limit: 1 })) return event
  return undefined
}

export const run: CommandGroup = async (args, io) => {
  let parsed: ReturnType<typeof parse>
  try {
    parsed = parse(args)
  } catch (cause) {
    writeLine(io.stderr, `localhub events validate: ${(cause as Error).message}\n\n${USAGE}`)
    return 2
  }
  if (printedHelp(parsed.values, io, USAGE)) return 0
  const dialect = parsed.values.dialect ?? 'auto'
  if (parsed.positionals.length !== 1 || !(dialect === 'auto' || isDialectName(dialect))) {
    const problem =
      parsed.positionals.length !== 1 ? 'name one file, or - for stdin' : `unknown dialect '${dialect}'`
    writeLine(io.stderr, `localhub events validate: ${problem}\n\n${USAGE}`)
    return 2
  }
  let bus: Bus | undefined
  try {
    const registry = parsed.values.catalog
      ? loadCatalog(resolve(io.cwd, parsed.values.catalog)).document
      : loadRegistry()
    const contracts = createContracts(registry)
    const converter = createDialectConverter()
    bus = await openBus({ transport: 'memory', registry, defaultSource: INGEST_DEFAULT_SOURCE })
    const records = splitRecords(
      await readInput(parsed.positionals[0]!, io),
      contracts.options.maxEnvelopeBytes,
    )
    if (records.length === 0) {
      writeLine(io.stdout, JSON.stringify(fail(new HubError('E_BAD_REQUEST', 'the input holds no events'))))
      return 1
    }
    let invalid = 0
    for (const record of records) {
      const result = await checkRecord(record, dialect as DialectName | 'auto', bus, converter)
      if (!result.ok) invalid++
      if (!result.ok || !parsed.values.quiet) writeLine(io.stdout, JSON.stringify(result))
    }
    writeLine(io.stderr, `${records.length - invalid} valid, ${invalid} invalid`)
    return invalid > 0 ? 1 : 0
  } catch (cause) {
    writeLine(io.stdout, JSON.stringify(fail(cause)))
    return 1
  } finally {
    await bus?.close()
  }
}

function parse(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      dialect: { type: 'string' },
      catalog: { type: 'string' },
      quiet: { type: 'boolean', short: 'q' },
      help: { type: 'boolean', short: 'h' },
    },
  })
}
