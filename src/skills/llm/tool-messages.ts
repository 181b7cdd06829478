// Tool definitions and tool-call conversation turns: checked once, then written in each protocol's
// shape (Ollama /api/chat or OpenAI /chat/completions).
import { HubError, renderValue, type ValidationIssue } from '../../contracts/index.ts'
import type { LlmChatRequest, LlmMessage, LlmToolCall } from './types.ts'

// OpenAI's rule for function names; Ollama is laxer, so one rule serves both.
const FUNCTION_NAME = /^[A-Za-z0-9_-]{1,64}$/

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

function issue(path: string, expected: string, got: unknown, message: string): ValidationIssue {
  return { path, expected, got: renderValue(got), message }
}

function checkTools(tools: unknown, issues: ValidationIssue[]): void {
  if (tools === undefined) return
  if (!Array.isArray(tools)) {
    issues.push(issue('/tools', 'an array of function definitions', tools, 'tools must be an array'))
    return
  }
  tools.forEach((tool: unknown, index) => {
    const path = `/tools/${index}`
    const definition = isPlainObject(tool) ? tool.function : undefined
    if (!isPlainObject(tool) || tool.type !== 'function' || !isPlainObject(definition)) {
      issues.push(
        issue(path, "{type:'function', function:{...}}", tool, 'a tool must be a function definition'),
      )
      return
    }
    if (typeof definition.name !== 'string' || !FUNCTION_NAME.test(definition.name)) {
      issues.push(
        issue(
          `${path}/function/name`,
          '1-64 letters, digits, _ or -',
          definition.name,
          'invalid function name',
        ),
      )
    }
    if (definition.description !== undefined && typeof definition.description !== 'string') {
      issues.push(
        issue(`${path}/function/description`, 'a string', definition.description, 'invalid description'),
      )
    }
    if (definition.parameters !== undefined && !isPlainObject(definition.parameters)) {
      issues.push(
        issue(
          `${path}/function/parameters`,
          'a JSON Schema object',
          definition.parameters,
          'invalid parameters',
        ),
      )
    }
  })
}

function checkToolCalls(calls: unknown, path: string, issues: ValidationIssue[]): void {
  if (!Array.isArray(calls)) {
    issues.push(issue(path, 'an array of tool calls', calls, 'toolCalls must be an array'))
    return
  }
  calls.forEach((call: unknown, index) => {
    const at = `${path}/${index}`
    if (!isPlainObject(call)) {
      issues.push(issue(at, '{id, name, arguments}', call, 'a tool call must be an object'))
      return
    }
    if (typeof call.id !== 'string' || call.id === '') {
      issues.push(issue(`${at}/id`, 'a non-empty string', call.id, 'a tool call needs its id'))
    }
    if (typeof call.name !== 'string' || call.name === '') {
      issues.push(issue(`${at}/name`, 'a non-empty string', call.name, 'a tool call needs its function name'))
    }
    if (!isPlainObject(call.arguments)) {
      issues.push(
        issue(`${at}/arguments`, 'an object', call.arguments, 'tool call arguments must be an object'),
      )
    }
  })
}

/**
 * Refuses a request whose tool parts a server would reject or misread, with one issue per problem.
 * `requireToolCallId`: OpenAI pairs each tool result with its call by id.
 */
export function checkToolRequest(request: LlmChatRequest, requireToolCallId: boolean): void {
  const issues: ValidationIssue[] = []
  checkTools(request.tools, issues)
  request.messages.forEach((message: LlmMessage, index) => {
    const path = `/messages/${index}`
    if (message.toolCalls !== undefined) {
      if (message.role !== 'assistant') {
        issues.push(
          issue(`${path}/toolCalls`, 'only on assistant messages', message.role, 'misplaced toolCalls'),
        )
      } else checkToolCalls(message.toolCalls, `${path}/toolCalls`, issues)
    }
    for (const field of ['toolCallId', 'name'] as const) {
      const value = message[field]
      if (value === undefined) continue
      if (message.role !== 'tool') {
        issues.push(issue(`${path}/${field}`, 'only on tool messages', message.role, `misplaced ${field}`))
      } else if (typeof value !== 'string' || value === '') {
        issues.push(issue(`${path}/${field}`, 'a non-empty string', value, `invalid ${field}`))
      }
    }
    if (requireToolCallId && message.role === 'tool' && message.toolCallId === undefined) {
      issues.push(
        issue(
          `${path}/toolCallId`,
          'the id of the call this answers',
          undefined,
          'a tool result needs toolCallId',
        ),
      )
    }
  })
  if (issues.length > 0) {
    const first = issues[0]!
    throw new HubError(
      'E_BAD_REQUEST',
      `chat request has invalid tool parts: ${first.path}: ${first.message}`,
      {
        details: { issues },
      },
    )
  }
}

/** Ollama: arguments stay an object; results name the function in `tool_name`; no call ids. */
export function ollamaMessage(message: LlmMessage): Record<string, unknown> {
  const wire: Record<string, unknown> = { role: message.role, content: message.content }
  if (message.role === 'assistant' && message.toolCalls !== undefined && message.toolCalls.length > 0) {
    wire.tool_calls = message.toolCalls.map((call: LlmToolCall) => ({
      function: { name: call.name, arguments: call.arguments },
    }))
  }
  if (message.role === 'tool' && message.name !== undefined) wire.tool_name = message.name
  return wire
}

/** OpenAI: arguments travel as a JSON string; a tool result is tied to its call by tool_call_id. */
export function openAiMessage(message: LlmMessage): Record<string, unknown> {
  if (message.role === 'assistant' && message.toolCalls !== undefined && message.toolCalls.length > 0) {
    return {
      role: 'assistant',
      // OpenAI's own answers carry null content beside tool calls.
      content: message.content === '' ? null : message.content,
      tool_calls: message.toolCalls.map((call: LlmToolCall) => ({
        id: call.id,
        type: 'function',
        function: { name: call.name, arguments: JSON.stringify(call.arguments) },
      })),
    }
  }
  if (message.role === 'tool') {
    return { role: 'tool', tool_call_id: message.toolCallId, content: message.content }
  }
  return { role: message.role, content: message.content }
}

/** JSON.stringify that turns a cycle or a BigInt in caller data into E_BAD_REQUEST instead of a TypeError. */
export function requestJson(body: unknown): string {
  try {
    return JSON.stringify(body)
  } catch (error) {
    throw new HubError('E_BAD_REQUEST', `chat request cannot be sent as JSON: ${(error as Error).message}`, {
      cause: error,
    })
  }
}

interface WrittenTool {
  name: string
  description: string
  json: string
}

// The JSON of each offered tool, by its parameters schema: the same definitions go to the model on
// every turn and writing their schemas was about half of a chat request's serialisation (decision
// 1788). A schema is taken as it is when first written; tool schemas are compiled for argument
// checks once, when the tool is registered, and are not changed in place after that.
const writtenTools = new WeakMap<object, WrittenTool>()

const TOOL_KEYS = ['type', 'function'] as const
const FUNCTION_KEYS = ['name', 'description', 'parameters'] as const

/** True when `value`'s own enumerable keys are exactly `keys`, in that order, and it has no toJSON. */
function hasExactly(value: Record<string, unknown>, keys: readonly string[]): boolean {
  if (Object.getPrototypeOf(value) !== Object.prototype || 'toJSON' in value) return false
  let index = 0
  for (const key in value) if (key !== keys[index++]) return false
  return index === keys.length
}

/**
 * A tool definition as `JSON.stringify` writes it, from what was written before when the definition
 * has the usual shape ({type: 'function', function: {name, description, parameters}}) around a
 * known schema.
 */
function toolJson(tool: unknown): string {
  const definition = isPlainObject(tool) ? tool.function : undefined
  const usual =
    isPlainObject(tool) &&
    hasExactly(tool, TOOL_KEYS) &&
    tool.type === 'function' &&
    isPlainObject(definition) &&
    hasExactly(definition, FUNCTION_KEYS) &&
    typeof definition.name === 'string' &&
    typeof definition.description === 'string' &&
    isPlainObject(definition.parameters)
  // JSON.stringify writes null for an item it cannot write (checkToolRequest refuses those first).
  if (!usual) return requestJson(tool) ?? 'null'
  const { name, description, parameters } = definition as {
    name: string
    description: string
    parameters: object
  }
  const known = writtenTools.get(parameters)
  if (known !== undefined && known.name === name && known.description === description) return known.json
  const json = requestJson(tool)
  writtenTools.set(parameters, { name, description, json })
  return json
}

/**
 * `JSON.stringify(body)` for a body whose last key is `tools`: the rest is written as usual and the
 * tools from their remembered JSON. `body` must not already hold `tools`.
 */
export function requestJsonWithTools(body: Record<string, unknown>, tools: readonly unknown[]): string {
  return requestJsonPiecesWithTools(body, tools).join('')
}

/**
 * The same text as `requestJsonWithTools`, in pieces to be written one after the other: each piece
 * a string already in memory (the body without its closing brace, each tool's remembered JSON, the
 * punctuation between them). Joined into one string, they were copied once more into a flat string
 * of the whole request (~4–6 KB a turn) only to be encoded for the socket (decision 2078).
 */
export function requestJsonPiecesWithTools(
  body: Record<string, unknown>,
  tools: readonly unknown[],
): string[] {
  const head = requestJson(body)
  if (tools.length === 0) return [head]
  const pieces = new Array<string>(tools.length * 2 + 2)
  pieces[0] = head.slice(0, -1)
  for (let index = 0; index < tools.length; index++) {
    pieces[index * 2 + 1] = index === 0 ? ',"tools":[' : ','
    pieces[index * 2 + 2] = toolJson(tools[index])
  }
  pieces[tools.length * 2 + 1] = ']}'
  return pieces
}
