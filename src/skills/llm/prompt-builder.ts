import type { ChatMessage, MemoryItem, RetrievedPassage } from '../../skill-api/index.ts'

/** Context window assumed when the manifest names none, in tokens (a small local model's). */
export const DEFAULT_CONTEXT_TOKENS = 8192
/** Tokens kept free for the answer. */
export const DEFAULT_ANSWER_RESERVE_TOKENS = 1024
/** Rough size of a token in characters for English-like text; used only for budgeting. */
export const CHARS_PER_TOKEN = 4

export const DEFAULT_SYSTEM_PROMPT =
  'You are Jarvis, a personal assistant running locally. Answer concisely. When you use the numbered ' +
  'documents below, cite them as [1], [2]. If you do not know, say so.'

export interface PromptInput {
  system?: string
  question: string
  memory: readonly MemoryItem[]
  passages: readonly RetrievedPassage[]
  history: readonly ChatMessage[]
  contextTokens?: number
  answerReserveTokens?: number
}

export interface BuiltPrompt {
  messages: ChatMessage[]
  /** Passages that made it into the prompt, in citation order ([1] is the first). */
  cited: RetrievedPassage[]
  memoryUsed: MemoryItem[]
  historyUsed: number
  estimatedTokens: number
}

const estimateTokens = (text: string) => Math.ceil(text.length / CHARS_PER_TOKEN)

/**
 * Assembles the prompt within the model's budget. Priority when space runs out: the system prompt
 * and the question always stay; then retrieved passages (best first), then memory (best first),
 * then recent history (newest first). Whatever does not fit is left out whole, never cut mid-item.
 */
export function buildPrompt(input: PromptInput): BuiltPrompt {
  const system = input.system ?? DEFAULT_SYSTEM_PROMPT
  const budget =
    (input.contextTokens ?? DEFAULT_CONTEXT_TOKENS) -
    (input.answerReserveTokens ?? DEFAULT_ANSWER_RESERVE_TOKENS)
  let used = estimateTokens(system) + estimateTokens(input.question) + 16

  const cited: RetrievedPassage[] = []
  for (const passage of [...input.passages].sort((a, b) => b.score - a.score)) {
    const cost = estimateTokens(passage.text) + estimateTokens(passage.title) + 8
    if (used + cost > budget) continue
    used += cost
    cited.push(passage)
  }
  const memoryUsed: MemoryItem[] = []
  for (const item of [...input.memory].sort((a, b) => b.score - a.score)) {
    const cost = estimateTokens(item.text) + 4
    if (used + cost > budget) continue
    used += cost
    memoryUsed.push(item)
  }
  const history: ChatMessage[] = []
  for (let index = input.history.length - 1; index >= 0; index--) {
    const message = input.history[index]!
    const cost = estimateTokens(message.content) + 4
    if (used + cost > budget) break
    used += cost
    history.unshift(message)
  }

  const sections = [system]
  if (memoryUsed.length > 0) {
    sections.push(
      `What you remember about the person:\n${memoryUsed.map((item) => `- ${item.text}`).join('\n')}`,
    )
  }
  if (cited.length > 0) {
    const documents = cited.map((passage, index) => {
      const where =
        passage.location.startLine === undefined
          ? passage.location.path
          : `${passage.location.path}:${passage.location.startLine}`
      return `[${index + 1}] ${passage.title} (${where})\n${passage.text}`
    })
    sections.push(`Documents:\n${documents.join('\n\n')}`)
  }
  return {
    messages: [
      { role: 'system', content: sections.join('\n\n') },
      ...history,
      { role: 'user', content: input.question },
    ],
    cited,
    memoryUsed,
    historyUsed: history.length,
    estimatedTokens: used,
  }
}
