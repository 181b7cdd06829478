// The hub's own share of a POST /chat first token (decision 1747): the SSE answer ends with a
// `: kernel-ms` comment and /metrics counts it. A model that waits before its first token must
// show that wait as the model's, not the hub's.
import assert from 'node:assert/strict'
import { request } from 'node:http'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { openHub, type RunningHub } from '../../src/kernel/index.ts'
import { type FakeOllamaServer, startOllamaServer } from '../kit/llm-servers/index.ts'
import { makeTempDir } from '../kit/temp-dir.ts'

const MODEL_WAIT_MS = 150

function chat(hub: RunningHub, body: unknown): Promise<{ text: string; firstChunkMs: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    let firstChunkMs: number | undefined
    const req = request(
      new URL('/chat', hub.url),
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${hub.token}` },
      },
      (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => {
          text += chunk
          if (firstChunkMs === undefined && text.includes('event: stream.chunk'))
            firstChunkMs = performance.now() - started
        })
        res.on('end', () => resolve({ text, firstChunkMs: firstChunkMs ?? Number.NaN }))
      },
    )
    req.on('error', reject)
    req.end(JSON.stringify(body))
  })
}

describe('the hub times its own share of the first token', { timeout: 60_000 }, () => {
  const temp = makeTempDir('localhub-kernel-timing-')
  let model: FakeOllamaServer
  let hub: RunningHub

  before(async () => {
    model = await startOllamaServer({
      models: ['tiny'],
      reply: () => 'one two three',
      firstTokenDelayMs: MODEL_WAIT_MS,
    })
    hub = await openHub({
      dataDir: join(temp.path, 'data'),
      port: 0,
      logger: false,
      llmFlags: { baseUrl: model.url, model: 'tiny' },
    })
  })
  after(async () => {
    await hub?.close()
    await model?.close()
    temp.remove()
  })

  test('the SSE answer ends with the timing comment; the model wait is not counted as the hub’s', async () => {
    const { text, firstChunkMs } = await chat(hub, { text: 'hello', sessionId: 'timing' })
    assert.ok(firstChunkMs >= MODEL_WAIT_MS, `the client waited for the model (${firstChunkMs} ms)`)
    const match =
      /\n: kernel-ms before-model=([\d.]+) after-first-token=([\d.]+) cpu-before-model=([\d.]+) cpu-after-first-token=([\d.]+)\n\n$/.exec(
        text,
      )
    assert.ok(match, `the answer ends with the comment: ${text.slice(-200)}`)
    const beforeModel = Number(match[1])
    const afterFirstToken = Number(match[2])
    assert.ok(
      text.indexOf('event: stream.end') < text.indexOf(': kernel-ms'),
      'the comment follows stream.end',
    )
    // Both phases are positive and together leave the model's wait outside them.
    assert.ok(beforeModel > 0 && afterFirstToken > 0, `${beforeModel} / ${afterFirstToken}`)
    // The process's CPU time in a phase cannot exceed its wall time by more than the GC threads' share.
    assert.ok(Number(match[3]) > 0 && Number(match[4]) >= 0, `${match[3]} / ${match[4]}`)
    assert.ok(
      beforeModel + afterFirstToken < firstChunkMs - MODEL_WAIT_MS + 1,
      `hub ${beforeModel} + ${afterFirstToken} ms within the client's ${firstChunkMs} ms less the model's wait`,
    )
  })

  test('/metrics counts each phase of each streamed turn; a whole (non-streamed) answer has none', async () => {
    await chat(hub, { text: 'again', sessionId: 'timing' })
    const whole = await chat(hub, { text: 'whole', sessionId: 'timing', stream: false })
    assert.doesNotMatch(whole.text, /kernel-ms/)
    const response = await fetch(`${hub.url}/metrics`, { headers: { authorization: `Bearer ${hub.token}` } })
    const metrics = await response.text()
    for (const phase of ['before_model', 'after_first_token']) {
      const count = new RegExp(`^localhub_chat_kernel_ms_count\\{phase="${phase}"\\} (\\d+)$`, 'm').exec(
        metrics,
      )
      assert.equal(count?.[1], '2', `${phase}: ${metrics.slice(0, 300)}`)
    }
  })
})
