// Secrets never reach the stored log, the broadcast or memory: the detection corpus (every
// positive caught, the false-positive rate on negatives bounded and printed), the one list of
// secret key names, and a real hub whose events.sqlite, GET /events, /ws/events, memory.sqlite,
// GET /memory and later prompts are searched byte for byte for every secret published.
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import {
  type Envelope,
  findSecrets,
  isSecretKeyName,
  SECRET_DETECTOR_KINDS,
  SECRET_KEY_NAMES,
  scrubSecrets,
} from '../../src/contracts/index.ts'
import { openHub, type RunningHub } from '../../src/kernel/index.ts'
import { openWs, type WsTestClient } from '../kit/http-client.ts'
import { type FakeOllamaServer, startOllamaServer } from '../kit/llm-servers/index.ts'
import { makeTempDir } from '../kit/temp-dir.ts'
import { waitFor } from '../kit/wait-for.ts'

interface Positive {
  kind: string
  text: string
  secret: string
}

const corpus = JSON.parse(readFileSync(new URL('./secrets-corpus.json', import.meta.url), 'utf8')) as {
  positives: Positive[]
  negatives: string[]
}

/** The bound asserted on the corpus' negatives (the rate itself is printed). */
const MAX_FALSE_POSITIVE_RATE = 0.03

describe('secret detection corpus', () => {
  test('every positive is found, and its secret is gone from the scrubbed text', () => {
    assert.ok(corpus.positives.length >= 70)
    for (const positive of corpus.positives) {
      const scrubbed = scrubSecrets(positive.text)
      assert.ok(scrubbed.findings.length > 0, `not found: ${positive.kind} ${JSON.stringify(positive.text)}`)
      assert.equal(scrubbed.text.includes(positive.secret), false, `left behind: ${positive.kind}`)
      assert.match(scrubbed.text, /\[REDACTED:[a-z0-9-]+:sha256=[0-9a-f]{64}:len=\d+\]/)
      assert.equal(scrubSecrets(scrubbed.text).text, scrubbed.text, 'scrubbing twice changes nothing')
    }
  })

  test('every detector is exercised by at least one positive', () => {
    const seen = new Set(
      corpus.positives.flatMap((positive) => findSecrets(positive.text).map((found) => found.kind)),
    )
    assert.deepEqual(
      SECRET_DETECTOR_KINDS.filter((kind) => !seen.has(kind)),
      [],
    )
  })

  test('the false-positive rate on negatives is reported and bounded', (t) => {
    assert.ok(corpus.negatives.length >= 150)
    const flagged = corpus.negatives.filter((text) => findSecrets(text).length > 0)
    const rate = flagged.length / corpus.negatives.length
    const line = `false positives: ${flagged.length} of ${corpus.negatives.length} negatives (${(rate * 100).toFixed(1)}%): ${JSON.stringify(flagged)}`
    t.diagnostic(line)
    console.log(line)
    assert.ok(rate <= MAX_FALSE_POSITIVE_RATE, line)
  })
})

describe('secret key names: one list, case and separators ignored', () => {
  test('each entry and the spellings found in the wild match', () => {
    for (const name of SECRET_KEY_NAMES) {
      assert.ok(isSecretKeyName(name), name)
      assert.ok(isSecretKeyName(name.toUpperCase()), name)
    }
    for (const key of [
      'password',
      'Password',
      'passwd',
      'pwd',
      'apiKey',
      'api-key',
      'api_key',
      'API_KEY',
      'X-Api-Key',
      'access_token',
      'refresh_token',
      'private_key',
      'client_secret',
      'cookie',
      'Set-Cookie',
      'credentials',
      'bearer',
      'token',
      'secret',
      'authorization',
      'Authorization',
      'aws_secret_access_key',
      'db.password',
      'stripe_api_key',
    ])
      assert.ok(isSecretKeyName(key), key)
    for (const key of [
      'max_tokens',
      'input_tokens',
      'tokenizer',
      'keyboard',
      'idempotency_key',
      'author',
      'passed',
      'text',
    ])
      assert.equal(isSecretKeyName(key), false, key)
  })
})

// What the hostile run planted: key names whose values no value detector would catch (so only
// the key list removes them), and every value shape of the corpus.
const KEY_NAMES = [
  'password',
  'passwd',
  'pwd',
  'apiKey',
  'api-key',
  'access_token',
  'refresh_token',
  'private_key',
  'client_secret',
  'cookie',
  'credentials',
  'bearer',
  'token',
  'api_key',
  'secret',
  'authorization',
  'Authorization',
]
const keyValue = (index: number) => `plainvalue${index}zq`
const ENVELOPE_FIELDS = ['source', 'traceId', 'sessionId', 'causationId'] as const
const IDEMPOTENCY_SECRET = 'sk-live-idempotencykey7a6b5c4d3e2f1a0b9c8d'
const envelopeSecret = (field: string) => `sk-live-${field.toLowerCase()}4f9a8b7c6d5e4f3a2b1c0d9e`

function filesOf(dir: string, prefix: string): Buffer {
  return Buffer.concat(
    readdirSync(dir)
      .filter((name) => name.startsWith(prefix))
      .map((name) => readFileSync(join(dir, name))),
  )
}

function leaks(haystack: Buffer | string, secrets: readonly string[]): string[] {
  const bytes = typeof haystack === 'string' ? Buffer.from(haystack) : haystack
  return secrets.filter((secret) => bytes.includes(Buffer.from(secret)))
}

describe('a real hub stores, replays and broadcasts no secret', { timeout: 120_000 }, () => {
  const temp = makeTempDir('localhub-secrets-')
  const dataDir = join(temp.path, 'data')
  let ollama: FakeOllamaServer
  let hub: RunningHub
  let ws: WsTestClient
  const planted: string[] = []
  const ids: string[] = []

  const call = (path: string, init: RequestInit = {}) =>
    fetch(`${hub.url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${hub.token}`, ...(init.headers as Record<string, string>) },
    })

  before(async () => {
    ollama = await startOllamaServer({ reply: () => 'Noted.', models: ['tiny'] })
    hub = await openHub({
      dataDir,
      port: 0,
      logger: false,
      llmFlags: { baseUrl: ollama.url, model: 'tiny' },
    })
    ws = await openWs(`${hub.url}/ws/events`, { token: hub.token })

    const events: Record<string, unknown>[] = []
    // Key names, in meta and nested in a payload.
    KEY_NAMES.forEach((name, index) => {
      planted.push(keyValue(index))
      events.push({
        type: 'scenario.run',
        traceId: `hostile-key-${index}`,
        payload: {
          scenario: 'hostile',
          runId: `key-${index}`,
          inputs: { nested: { [name]: keyValue(index) } },
        },
        meta: { [name]: keyValue(index) },
      })
    })
    // Every value shape of the corpus, in free text of a payload, and the short ones in ui.feedback's target.
    corpus.positives.forEach((positive, index) => {
      planted.push(positive.secret)
      events.push({
        type: 'scenario.run',
        traceId: `hostile-value-${index}`,
        payload: { scenario: 'hostile', runId: `value-${index}`, inputs: { text: positive.text } },
        meta: { note: positive.text },
      })
      if (positive.text.length <= 500)
        events.push({
          type: 'ui.feedback',
          traceId: `hostile-target-${index}`,
          payload: { target: positive.text, helpful: true },
        })
    })
    // Secrets in the envelope's own string fields.
    for (const field of ENVELOPE_FIELDS) {
      planted.push(envelopeSecret(field))
      events.push({
        type: 'ui.feedback',
        traceId: `hostile-envelope-${field}`,
        [field]: `run ${envelopeSecret(field)}`,
        payload: { target: 'envelope', helpful: false },
      })
    }
    events.push({
      type: 'ui.feedback',
      traceId: 'hostile-envelope-idempotencyKey',
      idempotencyKey: `run ${IDEMPOTENCY_SECRET}`,
      payload: { target: 'idempotency', helpful: false },
    })
    const response = await call('/events', {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson' },
      body: events.map((event) => JSON.stringify(event)).join('\n'),
    })
    const text = await response.text()
    assert.equal(response.status, 200, text)
    for (const line of text.split('\n').filter((row) => row.trim() !== '')) {
      const result = JSON.parse(line) as { ok: boolean; data?: { id: string }; error?: unknown }
      assert.ok(result.ok, line)
      ids.push(result.data!.id)
    }
    assert.equal(ids.length, events.length)
  })

  after(async () => {
    ws?.socket.close()
    await hub?.close()
    await ollama?.close()
    temp.remove()
  })

  test('GET /events replays every event, with the secrets replaced and counted in _guardrails', async () => {
    const response = await call('/events?limit=10000', { headers: { accept: 'application/x-ndjson' } })
    assert.equal(response.status, 200)
    const text = await response.text()
    assert.deepEqual(leaks(text, planted), [])
    const stored = text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as Envelope)
    // The first event of each trace is the one the test published; a command's answer (for
    // example scenario.run.result) shares its trace id and comes later.
    const byTrace = new Map<string, Envelope>()
    for (const event of stored) if (!byTrace.has(event.traceId)) byTrace.set(event.traceId, event)
    for (let index = 0; index < KEY_NAMES.length; index++) {
      const event = byTrace.get(`hostile-key-${index}`)!
      const dropped = (event.payload._guardrails as { dropped: string[] }).dropped
      assert.equal(dropped.length, 2, KEY_NAMES[index])
    }
    for (let index = 0; index < corpus.positives.length; index++) {
      const event = byTrace.get(`hostile-value-${index}`)!
      const secrets = (event.payload._guardrails as { replaced: string[] }).replaced
      assert.ok(secrets.includes('/payload/inputs/text'), corpus.positives[index]!.text)
      assert.ok(secrets.includes('/meta/note'))
    }
    const envelopeEvents = stored.filter(
      (event) => (event.payload as { target?: string }).target === 'envelope',
    )
    assert.equal(envelopeEvents.length, ENVELOPE_FIELDS.length)
    for (const field of ENVELOPE_FIELDS) {
      const event = envelopeEvents.find((item) => String(item[field]).startsWith('run [REDACTED:openai:'))
      assert.ok(event, `${field} holds the marker`)
      assert.ok((event.payload._guardrails as { replaced: string[] }).replaced.includes(`/${field}`))
    }
  })

  test('/ws/events broadcast every event without the secrets', async () => {
    await waitFor(
      () => ids.every((id) => ws.messages.some((message) => JSON.stringify(message).includes(id))),
      'every published event on the WebSocket',
      10_000,
    )
    assert.deepEqual(leaks(JSON.stringify(ws.messages), planted), [])
  })

  test('the bytes of events.sqlite (and its WAL) hold none of the secrets', () => {
    const bytes = filesOf(dataDir, 'events.sqlite')
    assert.ok(bytes.length > 0)
    assert.ok(leaks(bytes, [ids[0]!]).length === 1, 'the search does find what is there')
    assert.deepEqual(leaks(bytes, planted), [])
  })

  test('the stored idempotency key is the marker, not the secret', async () => {
    const response = await call('/events?limit=10000', { headers: { accept: 'application/x-ndjson' } })
    const text = await response.text()
    assert.deepEqual(leaks(text, [IDEMPOTENCY_SECRET]), [])
    assert.match(text, /"idempotencyKey":"run \[REDACTED:openai:/)
  })

  test('the dedupe table of events.sqlite holds no idempotency-key secret', () => {
    assert.deepEqual(leaks(filesOf(dataDir, 'events.sqlite'), [IDEMPOTENCY_SECRET]), [])
  })

  test('memory keeps the words but not the credentials: file, GET /memory and later prompts', async () => {
    const apiKey = 'sk-live-9f8e7d6c5b4a39281706f5e4d3c2b1a0'
    const password = 'Hunter2x9!'
    const said = `My favourite colour is teal. My api key is ${apiKey} and my password is ${password}.`
    const first = await call('/chat', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: said, sessionId: 'hostile-memory-1', stream: false }),
    })
    assert.equal(first.status, 200, await first.clone().text())
    const listed = await call('/memory?limit=100')
    const listing = await listed.text()
    assert.equal(listed.status, 200)
    assert.match(listing, /teal/, 'the words are kept')
    assert.deepEqual(leaks(listing, [apiKey, password]), [])
    assert.deepEqual(leaks(filesOf(dataDir, 'memory.sqlite'), [apiKey, password]), [])

    const before = ollama.chatRequests.length
    const second = await call('/chat', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        text: 'What is my api key and my favourite colour?',
        sessionId: 'hostile-memory-2',
        stream: false,
      }),
    })
    assert.equal(second.status, 200, await second.clone().text())
    const prompts = ollama.chatRequests.slice(before).map((request) => request.rawBody)
    assert.ok(prompts.length > 0)
    assert.ok(
      prompts.some((prompt) => prompt.includes('teal')),
      'memory reached the prompt',
    )
    assert.deepEqual(leaks(prompts.join('\n'), [apiKey, password]), [])
  })
})
