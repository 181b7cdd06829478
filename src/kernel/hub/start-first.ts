import type { ChatPart } from '../server/index.ts'

/**
 * Keeps a chat answer's stream.start first (docs/chat-turn.md): a `call` step before the model may
 * stream text of its own before the model's stream starts, and clients (the /chat route, the
 * OpenAI and Ollama routes) read the first part as the start. Such early chunks wait and follow
 * the start; `flush()` lets them go when the turn ends without one.
 */
export function startFirst(push: (part: ChatPart) => void): {
  push(part: ChatPart): void
  flush(): void
} {
  let started = false
  let early: ChatPart[] | undefined
  const flush = () => {
    if (early === undefined) return
    const waiting = early
    early = undefined
    for (const part of waiting) push(part)
  }
  return {
    push(part) {
      if (started) return push(part)
      if (part.event === 'stream.chunk') {
        early ??= []
        early.push(part)
        return
      }
      if (part.event === 'stream.start') {
        started = true
        push(part)
        flush()
        return
      }
      push(part)
    },
    flush,
  }
}
