import assert from 'node:assert/strict'
import { test } from 'node:test'
import { startOllamaServer } from '../../../test/kit/llm-servers/index.ts'
import { resolveLlmConfig } from './config.ts'
import { createOllamaProvider } from './ollama-provider.ts'
import type { LlmRequestMarks } from './types.ts'

test('the Ollama provider marks when its request left and when the first token was read', async (t) => {
  const server = await startOllamaServer({ models: ['tiny'], reply: () => 'a b c', firstTokenDelayMs: 80 })
  t.after(() => server.close())
  const provider = createOllamaProvider(resolveLlmConfig({ flags: { baseUrl: server.url, model: 'tiny' } }))
  t.after(() => provider.close())
  const marks: LlmRequestMarks = {}
  const calledAt = performance.now()
  let firstTokenSeenAt: number | undefined
  for await (const delta of provider.chat({ messages: [{ role: 'user', content: 'hi' }], marks })) {
    if (delta.type === 'token' && delta.text !== '') firstTokenSeenAt ??= performance.now()
  }
  assert.ok(marks.sentAt !== undefined && marks.firstTokenAt !== undefined && firstTokenSeenAt !== undefined)
  assert.ok(marks.sentAt >= calledAt)
  // The model's wait lies between the two marks, and the first token is read before it is seen.
  assert.ok(marks.firstTokenAt - marks.sentAt >= 70, `${marks.firstTokenAt - marks.sentAt} ms`)
  assert.ok(marks.firstTokenAt <= firstTokenSeenAt)
  assert.ok(marks.sentCpuUs !== undefined && marks.firstTokenCpuUs !== undefined)
  assert.ok(marks.firstTokenCpuUs >= marks.sentCpuUs)
  // A second chat with the same marks (a later tool round) does not move them.
  const kept = { ...marks }
  for await (const _delta of provider.chat({ messages: [{ role: 'user', content: 'hi' }], marks })) {
  }
  assert.deepEqual(marks, kept)
})
