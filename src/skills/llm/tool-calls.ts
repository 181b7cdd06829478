// Reading the tool calls a model streams back. Ollama sends each call whole (arguments already an
// object); OpenAI sends fragments per `index` whose `function.arguments` pieces are concatenated and
// parsed once the answer is complete. Bad arguments are E_VALIDATION, never dropped.
import { HubError, renderValue } from '../../contracts/index.ts'
import { protocolError, type ServiceTarget } from './failures.ts'
import type { LlmToolCall } from './types.ts'

/** More calls than this in one answer is a runaway model, not a plan. */
export const DEFAULT_MAX_TOOL_CALLS = 64
/** Bounds memory for one call's arguments, which arrive across any number of events. */
export const DEFAULT_MAX_TOOL_ARGUMENTS_CHARS = 1_048_576

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/** The id a call gets when the server sends none: its position in the answer. */
export function generatedCallId(position: number): string {
  return `call_${position}`
}

function tooMany(target: ServiceTarget): HubError {
  return new HubError(
    'E_RESOURCE_LIMIT',
    `${target.service} at ${target.url} sent more than ${DEFAULT_MAX_TOOL_CALLS} tool calls in one answer`,
    { details: { url: target.url, reason: 'tool-call-limit', retryable: false } },
  )
}

function invalidArguments(
  target: ServiceTarget,
  name: string,
  path: string,
  got: unknown,
  why: string,
  cause?: unknown,
): HubError {
  const message = `${target.service} at ${target.url} proposed a call to "${name}" whose arguments are ${why}`
  return new HubError('E_VALIDATION', message, {
    details: {
      url: target.url,
      reason: 'tool-arguments',
      retryable: false,
      toolName: name,
      issues: [{ path, expected: 'a JSON object', got: renderValue(got), message }],
    },
    cause,
  })
}

/** Parses one call's complete arguments text. An empty text means a function without parameters. */
export function parseToolArguments(
  text: string,
  name: string,
  path: string,
  target: ServiceTarget,
  cutOff: boolean,
): Record<string, unknown> {
  if (text.trim() === '') return {}
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    const why = cutOff ? 'cut off by the token limit (incomplete JSON)' : 'not valid JSON'
    throw invalidArguments(target, name, path, text, why, error)
  }
  if (!isPlainObject(value)) throw invalidArguments(target, name, path, value, 'not a JSON object')
  return value
}

/** Reads `message.tool_calls` of one Ollama line; `first` is the position of its first call in the answer. */
export function readOllamaToolCalls(value: unknown, first: number, target: ServiceTarget): LlmToolCall[] {
  if (!Array.isArray(value)) throw protocolError(target, 'message.tool_calls is not an array')
  if (first + value.length > DEFAULT_MAX_TOOL_CALLS) throw tooMany(target)
  return value.map((item: unknown, offset) => {
    const position = first + offset
    const path = `/message/tool_calls/${offset}/function`
    const definition = isPlainObject(item) ? item.function : undefined
    if (!isPlainObject(definition) || typeof definition.name !== 'string' || definition.name === '') {
      throw protocolError(target, `message.tool_calls[${offset}] has no function name`)
    }
    const name = definition.name
    const raw = definition.arguments
    // Ollama sends an object; a string (as some proxies send) is read as OpenAI's JSON text.
    const parsed =
      raw === undefined
        ? {}
        : typeof raw === 'string'
          ? parseToolArguments(raw, name, `${path}/arguments`, target, false)
          : raw
    if (!isPlainObject(parsed)) {
      throw invalidArguments(target, name, `${path}/arguments`, parsed, 'not a JSON object')
    }
    const id = isPlainObject(item) && typeof item.id === 'string' && item.id !== '' ? item.id : undefined
    return { id: id ?? generatedCallId(position), name, arguments: parsed }
  })
}

interface PendingCall {
  id: string
  name: string
  arguments: string
}

/** Collects OpenAI `delta.tool_calls` fragments until the answer is complete. */
export class OpenAiToolCallAssembler {
  private readonly calls = new Map<number, PendingCall>()
  private lastIndex = -1

  constructor(private readonly target: ServiceTarget) {}

  get size(): number {
    return this.calls.size
  }

  push(fragments: unknown): void {
    if (!Array.isArray(fragments)) throw protocolError(this.target, 'delta.tool_calls is not an array')
    for (const fragment of fragments) this.pushOne(fragment)
  }

  private pushOne(fragment: unknown): void {
    const target = this.target
    if (!isPlainObject(fragment)) throw protocolError(target, 'a delta.tool_calls entry is not an object')
    const { index, id } = fragment
    const definition = fragment.function ?? {}
    if (!isPlainObject(definition)) throw protocolError(target, 'tool_calls[].function is not an object')
    const { name, arguments: piece } = definition
    if (id !== undefined && id !== null && typeof id !== 'string') {
      throw protocolError(target, 'tool_calls[].id is not a string')
    }
    if (name !== undefined && name !== null && typeof name !== 'string') {
      throw protocolError(target, 'tool_calls[].function.name is not a string')
    }
    if (piece !== undefined && piece !== null && typeof piece !== 'string') {
      throw protocolError(target, 'tool_calls[].function.arguments is not a string')
    }
    const slot = this.slotFor(index, typeof id === 'string' && id !== '' ? id : undefined)
    if (typeof id === 'string' && id !== '' && slot.id === '') slot.id = id
    // OpenAI sends the whole name once; servers that repeat it on every fragment must not double it.
    if (typeof name === 'string' && name !== '' && slot.name !== name) slot.name += name
    if (typeof piece === 'string') {
      if (slot.arguments.length + piece.length > DEFAULT_MAX_TOOL_ARGUMENTS_CHARS) {
        throw new HubError(
          'E_RESOURCE_LIMIT',
          `${target.service} at ${target.url} sent tool call arguments over ${DEFAULT_MAX_TOOL_ARGUMENTS_CHARS} characters`,
          { details: { url: target.url, reason: 'tool-arguments-limit', retryable: false } },
        )
      }
      slot.arguments += piece
    }
  }

  private slotFor(index: unknown, id: string | undefined): PendingCall {
    let key: number
    if (index === undefined || index === null) {
      // Servers that leave out `index`: a new id starts a new call, anything else continues the last.
      const known = [...this.calls.values()].some((call) => call.id === id)
      key = this.lastIndex < 0 || (id !== undefined && !known) ? this.lastIndex + 1 : this.lastIndex
    } else if (typeof index === 'number' && Number.isInteger(index) && index >= 0) {
      key = index
    } else {
      throw protocolError(
        this.target,
        `tool_calls[].index is not a non-negative integer: ${renderValue(index)}`,
      )
    }
    let slot = this.calls.get(key)
    if (slot === undefined) {
      // Indexes count up from 0, so a large one is as much a runaway as many calls.
      if (key >= DEFAULT_MAX_TOOL_CALLS) throw tooMany(this.target)
      slot = { id: '', name: '', arguments: '' }
      this.calls.set(key, slot)
    }
    this.lastIndex = key
    return slot
  }

  /** The complete calls in index order; `cutOff` when the answer stopped at the token limit. */
  finish(cutOff: boolean): LlmToolCall[] {
    const ordered = [...this.calls.entries()].sort(([left], [right]) => left - right)
    return ordered.map(([index, call], position) => {
      if (call.name === '') throw protocolError(this.target, `tool call ${index} has no function name`)
      const path = `/choices/0/delta/tool_calls/${index}/function/arguments`
      return {
        id: call.id === '' ? generatedCallId(position) : call.id,
        name: call.name,
        arguments: parseToolArguments(call.arguments, call.name, path, this.target, cutOff),
      }
    })
  }
}
