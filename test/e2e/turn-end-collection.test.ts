// A finished chat turn empties the young generation when it is over half full and no other run is
// in flight (decision 2090), before the answer's end reaches the client: the collection is paid by
// the turn that made the garbage, not by the next one's first token.
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { openHub, type RunningHub, type YoungGeneration } from '../../src/kernel/index.ts'
import { type FakeOllamaServer, startOllamaServer } from '../kit/llm-servers/index.ts'
import { makeTempDir } from '../kit/temp-dir.ts'

describe('the young generation is collected at the end of a chat turn', { timeout: 60_000 }, () => {
  const temp = makeTempDir('localhub-turn-end-')
  const moments: string[] = []
  const state = { usedBytes: 900 }
  const young: YoungGeneration = {
    usage: () => ({ usedBytes: state.usedBytes, capacityBytes: 1_000 }),
    collect: () => {
      moments.push('collect')
    },
  }
  let model: FakeOllamaServer
  let hub: RunningHub

  before(async () => {
    model = await startOllamaServer({
      models: ['tiny'],
      tokenDelayMs: 20,
      reply: (request) =>
        request.messages.at(-1)?.content === 'long' ? 'one two three four five six seven eight' : 'short',
    })
    hub = await openHub({
      dataDir: join(temp.path, 'data'),
      port: 0,
      logger: false,
      llmFlags: { baseUrl: model.url, model: 'tiny' },
      youngGeneration: young,
    })
  })
  after(async () => {
    await hub?.close()
    await model?.close()
    temp.remove()
  })

  const chat = async (text: string, label: string) => {
    const response = await fetch(`${hub.url}/chat`, {
      method: 'POST',
      headers: { authorization: `Bearer ${hub.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ text, sessionId: `turn-end-${label}` }),
    })
    const body = await response.text()
    moments.push(`end ${label}`)
    assert.match(body, /event: stream\.end/)
  }

  test('over half full: one collection per turn, before the client has the end of the answer', async () => {
    moments.length = 0
    state.usedBytes = 900
    await chat('short', 'a')
    await chat('short', 'b')
    assert.deepEqual(moments, ['collect', 'end a', 'collect', 'end b'])
  })

  test('half full or less: nothing is collected', async () => {
    moments.length = 0
    state.usedBytes = 500
    await chat('short', 'c')
    assert.deepEqual(moments, ['end c'])
  })

  test('a turn that ends while another runs leaves the collection to the last one', async () => {
    moments.length = 0
    state.usedBytes = 900
    const long = chat('long', 'long')
    await new Promise((resolve) => setTimeout(resolve, 40))
    await chat('short', 'short')
    await long
    assert.deepEqual(moments, ['end short', 'collect', 'end long'])
  })

  test('an Ollama-compatible turn is a chat turn: it collects too', async () => {
    moments.length = 0
    state.usedBytes = 900
    const response = await fetch(`${hub.url}/api/chat`, {
      method: 'POST',
      headers: { authorization: `Bearer ${hub.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'localhub',
        stream: false,
        messages: [{ role: 'user', content: 'short' }],
      }),
    })
    assert.equal(response.status, 200, await response.clone().text())
    await response.json()
    moments.push('end ollama')
    assert.deepEqual(moments, ['collect', 'end ollama'])
  })
})
