import { CompatError } from './compat-errors.ts'
import type { TurnMessage } from './compat-ports.ts'

/** Longest conversation a compatible request may carry, in messages. */
export const DEFAULT_MAX_MESSAGES = 500

const SESSION_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/

/** What a hub turn takes from a client's conversation: the last user message and what came before. */
export interface TurnConversation {
  text: string
  history: TurnMessage[]
}

/**
 * A message's text: a string, or OpenAI's list of parts of which only `text` parts are read. Parts
 * are joined with a line break, as separate blocks of text (joined bare, "a" and "b" became "ab").
 */
function textOf(content: unknown, path: string): string {
  if (content === null || content === undefined) return ''
  if (typeof content === 'string') return content
  if (Array.isArray(content)) {
    const texts: string[] = []
    for (const [index, part] of content.entries()) {
      const record = part as { type?: unknown; text?: unknown } | null
      const at = `${path}.${index}`
      if (record?.type !== 'text')
        throw new CompatError(
          400,
          'invalid_request',
          `only text content parts are supported (${at} is ${JSON.stringify(record?.type ?? typeof part)})`,
          at,
        )
      if (typeof record.text !== 'string')
        throw new CompatError(400, 'invalid_request', `${at}.text must be a string`, `${at}.text`)
      texts.push(record.text)
    }
    return texts.join('\n')
  }
  throw new CompatError(400, 'invalid_request', `${path} must be a string or a list of text parts`, path)
}

/**
 * Splits a client's messages into a hub turn: the last message must be the user's (it becomes the
 * turn's text); system/developer, user and assistant messages before it become the turn's history;
 * tool results and tool calls of earlier client-run tools are left out (the hub runs its own tools).
 */
export function conversationOf(messages: unknown, path = 'messages'): TurnConversation {
  if (!Array.isArray(messages) || messages.length === 0)
    throw new CompatError(400, 'invalid_request', `${path} must be a non-empty array`, path)
  if (messages.length > DEFAULT_MAX_MESSAGES)
    throw new CompatError(
      400,
      'invalid_request',
      `${path} holds more than ${DEFAULT_MAX_MESSAGES} messages`,
      path,
    )
  const history: TurnMessage[] = []
  for (const [index, message] of messages.entries()) {
    const at = `${path}.${index}`
    if (message === null || typeof message !== 'object' || Array.isArray(message))
      throw new CompatError(400, 'invalid_request', `${at} must be an object`, at)
    const { role, content } = message as { role?: unknown; content?: unknown }
    const text = textOf(content, `${at}.content`)
    if (role === 'system' || role === 'developer') history.push({ role: 'system', content: text })
    else if (role === 'user' || role === 'assistant') {
      if (text !== '') history.push({ role, content: text })
    } else if (role !== 'tool' && role !== 'function')
      throw new CompatError(
        400,
        'invalid_request',
        `${at}.role ${JSON.stringify(role)} is not a role`,
        `${at}.role`,
      )
  }
  const last = messages.at(-1) as { role?: unknown }
  const turn = history.at(-1)
  if (last.role !== 'user' || turn === undefined || turn.role !== 'user' || turn.content.trim() === '') {
    throw new CompatError(
      400,
      'invalid_request',
      `the last of ${path} must be the user's, with text: the hub answers it as a turn`,
      `${path}.${messages.length - 1}`,
    )
  }
  history.pop()
  return { text: turn.content, history }
}

/** A session id the client chose (OpenAI `user`, a header), when it is one the hub accepts. */
export function sessionIdOf(...candidates: unknown[]): string | undefined {
  for (const candidate of candidates) {
    if (typeof candidate === 'string' && SESSION_ID_PATTERN.test(candidate)) return candidate
  }
  return undefined
}
