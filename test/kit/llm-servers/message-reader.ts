// Reads the `messages` (and `tools`) of a chat request the way each server does, tool-call turns
// included. A hostile or malformed request yields an error text for a 400, never a crash.
import type { ScriptMessage, ScriptMessageToolCall } from './script.ts'

export type Dialect = 'ollama' | 'openai'

/** Messages, or the reason the request is refused. */
export type ReadResult = { messages: ScriptMessage[] } | { error: string }

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

function readToolCall(value: unknown, dialect: Dialect, where: string): ScriptMessageToolCall | string {
  const definition = isPlainObject(value) ? value.function : undefined
  if (!isPlainObject(value) || !isPlainObject(definition)) return `${where} must be an object with function`
  if (typeof definition.name !== 'string' || definition.name === '')
    return `${where}.function.name is required`
  if (dialect === 'ollama') {
    // Ollama's Go types want an object here; a JSON string does not unmarshal.
    if (!isPlainObject(definition.arguments)) return `${where}.function.arguments must be an object`
    return { name: definition.name, arguments: definition.arguments }
  }
  if (typeof value.id !== 'string' || value.id === '') return `${where}.id is required`
  if (value.type !== 'function') return `${where}.type must be 'function'`
  if (typeof definition.arguments !== 'string') return `${where}.function.arguments must be a string`
  let parsed: unknown
  try {
    parsed = JSON.parse(definition.arguments)
  } catch {
    return `${where}.function.arguments is not valid JSON`
  }
  if (!isPlainObject(parsed)) return `${where}.function.arguments must encode an object`
  return { id: value.id, name: definition.name, arguments: parsed }
}

function readOne(item: unknown, dialect: Dialect, where: string): ScriptMessage | string {
  if (!isPlainObject(item)) return `${where} must be an object`
  const { role, content } = item
  if (typeof role !== 'string') return `${where}.role must be a string`
  // OpenAI's assistant turns that only call tools have content null.
  const nullable = dialect === 'openai' && role === 'assistant' && content === null
  if (content !== undefined && typeof content !== 'string' && !nullable)
    return `${where}.content must be a string`
  const message: ScriptMessage = { role, content: typeof content === 'string' ? content : '' }
  if (item.tool_calls !== undefined && item.tool_calls !== null) {
    if (!Array.isArray(item.tool_calls)) return `${where}.tool_calls must be an array`
    const calls: ScriptMessageToolCall[] = []
    for (const [index, call] of item.tool_calls.entries()) {
      const read = readToolCall(call, dialect, `${where}.tool_calls[${index}]`)
      if (typeof read === 'string') return read
      calls.push(read)
    }
    message.toolCalls = calls
  }
  if (dialect === 'ollama' && role === 'tool' && item.tool_name !== undefined) {
    if (typeof item.tool_name !== 'string') return `${where}.tool_name must be a string`
    message.toolName = item.tool_name
  }
  if (dialect === 'openai' && role === 'tool') {
    if (typeof item.tool_call_id !== 'string') return `Missing required parameter: '${where}.tool_call_id'.`
    message.toolCallId = item.tool_call_id
  }
  return message
}

/** OpenAI pairs calls and results strictly: each result answers an earlier call, each call is answered. */
function checkOpenAiPairing(messages: ScriptMessage[]): string | undefined {
  const open = new Set<string>()
  for (const message of messages) {
    if (message.role === 'tool') {
      if (!open.delete(message.toolCallId ?? '')) {
        return "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'."
      }
      continue
    }
    if (open.size > 0) break
    for (const call of message.toolCalls ?? []) open.add(call.id ?? '')
  }
  if (open.size === 0) return undefined
  return `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${[...open].join(', ')}`
}

export function readChatMessages(value: unknown, dialect: Dialect): ReadResult {
  if (!Array.isArray(value)) return { error: 'messages must be an array' }
  const messages: ScriptMessage[] = []
  for (const [index, item] of value.entries()) {
    const read = readOne(item, dialect, `messages[${index}]`)
    if (typeof read === 'string') return { error: read }
    messages.push(read)
  }
  const pairing = dialect === 'openai' ? checkOpenAiPairing(messages) : undefined
  return pairing === undefined ? { messages } : { error: pairing }
}

/** `tools` must be a list of function definitions when present. */
export function readTools(value: unknown): { tools: unknown[] | undefined } | { error: string } {
  if (value === undefined || value === null) return { tools: undefined }
  if (!Array.isArray(value)) return { error: "Invalid type for 'tools': expected an array" }
  for (const [index, tool] of value.entries()) {
    const definition = isPlainObject(tool) ? tool.function : undefined
    if (!isPlainObject(tool) || tool.type !== 'function' || !isPlainObject(definition)) {
      return { error: `tools[${index}] must be {type:'function', function:{...}}` }
    }
    if (typeof definition.name !== 'string' || definition.name === '') {
      return { error: `tools[${index}].function.name is required` }
    }
  }
  return { tools: value }
}
