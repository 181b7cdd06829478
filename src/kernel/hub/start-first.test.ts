import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { ChatPart } from '../server/index.ts'
import { startFirst } from './start-first.ts'

const chunk = (text: string): ChatPart => ({ event: 'stream.chunk', data: { text }, text })
const start: ChatPart = { event: 'stream.start', data: { streamId: 'llm' } }
const kinds = (parts: ChatPart[]) =>
  parts.map((part) => `${part.event}${'text' in part && part.text !== undefined ? `:${part.text}` : ''}`)

test('a skill’s chunks before the model’s start follow the start, in order', () => {
  const out: ChatPart[] = []
  const ordered = startFirst((part) => out.push(part))
  ordered.push(chunk('SKILL '))
  ordered.push(chunk('TEXT '))
  ordered.push(start)
  ordered.push(chunk('answer'))
  ordered.flush()
  assert.deepEqual(kinds(out), [
    'stream.start',
    'stream.chunk:SKILL ',
    'stream.chunk:TEXT ',
    'stream.chunk:answer',
  ])
})

test('a turn without a start still hands its chunks over at the end; other parts are not held', () => {
  const out: ChatPart[] = []
  const ordered = startFirst((part) => out.push(part))
  ordered.push(chunk('only'))
  ordered.push({ event: 'tool.status', data: { name: 'read_file' } })
  assert.deepEqual(kinds(out), ['tool.status'])
  ordered.flush()
  assert.deepEqual(kinds(out), ['tool.status', 'stream.chunk:only'])
})
