// Issue 20: everything a reader receives is in the stored form (decisions 0004, 0100), and the
// generated contracts describe it. A real session (a chat turn whose model writes two notes, each
// approved, and a dead letter) is read back with GET /events, and every event is validated with
// the generated JSON Schemas (ajv, as a TypeScript reader would) and with the generated Pydantic
// models (python3). The in-flight models are run too: they must reject some events, else this
// test would not show that the stored form is what readers need.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js'
import addFormatsModule from 'ajv-formats'
import { createHubClient } from '../../src/client/index.ts'
import type { Envelope } from '../../src/contracts/index.ts'
import { makeDeadLetter, NOTES_REPLY, type SessionHub, startSessionHub } from '../kit/session-hub.ts'
import { makeTempDir } from '../kit/temp-dir.ts'
import { waitForAsync, watchEvents } from '../kit/wait-for.ts'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const PYTHON = spawnSync('python3', ['-c', 'import pydantic; assert pydantic.VERSION >= "2"']).status === 0

const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as unknown as (ajv: Ajv2020) => Ajv2020

type Json = Record<string, unknown>

/** Validators from the published files only, as a reader outside this repository would build them. */
function publishedValidators() {
  const registry = JSON.parse(readFileSync(join(ROOT, 'catalog/dist/registry.json'), 'utf8')) as {
    envelope: Json
    entries: { type: string; version: number; schema: Json }[]
  }
  const stored = JSON.parse(readFileSync(join(ROOT, 'catalog/dist/stored-forms.json'), 'utf8')) as {
    entries: Record<string, Json>
  }
  const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true })
  ajv.addKeyword('x-redact')
  addFormats(ajv)
  const envelope = ajv.compile(registry.envelope)
  const inFlightSchemas = new Map(
    registry.entries.map((entry) => [`${entry.type}@${entry.version}`, entry.schema]),
  )
  const cache = new Map<string, ValidateFunction>()
  const compiled = (key: string, schema: Json | undefined) => {
    let validate = cache.get(key)
    if (validate === undefined && schema !== undefined) {
      validate = ajv.compile(schema)
      cache.set(key, validate)
    }
    return validate
  }
  return {
    envelope,
    stored: (key: string) => compiled(`stored:${key}`, stored.entries[key]),
    inFlight: (key: string) => compiled(`in-flight:${key}`, inFlightSchemas.get(key)),
  }
}

async function call(hub: SessionHub['hub'], method: string, path: string, body?: unknown) {
  const response = await fetch(`${hub.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${hub.token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  return (await response.json()) as { ok: boolean; data: unknown }
}

const PYTHON_CHECK = `
import json, sys
sys.path.insert(0, sys.argv[1])
from localhub_events import Envelope, payload_model
from pydantic import ValidationError
events = json.load(open(sys.argv[2]))
stored_failures, in_flight_failures = [], 0
for event in events:
    key = f"{event['type']}@{event['version']}"
    try:
        Envelope.model_validate(event)
        payload_model(event["type"], event["version"], stored=True).model_validate(event["payload"])
    except (ValidationError, KeyError) as error:
        stored_failures.append({"key": key, "error": str(error)[:600]})
    try:
        payload_model(event["type"], event["version"]).model_validate(event["payload"])
    except ValidationError:
        in_flight_failures += 1
print(json.dumps({"checked": len(events), "stored_failures": stored_failures, "in_flight_failures": in_flight_failures}))
`

describe('the stored form of a real session (log and live tail) validates in TypeScript and Python', {
  timeout: 120_000,
}, () => {
  let session: SessionHub
  let events: Envelope[] = []
  /** What the live tail delivered during the session: ephemeral events too (stream.chunk...). */
  const live: Envelope[] = []

  before(async () => {
    session = await startSessionHub('localhub-stored-forms-')
    const { hub } = session
    const requested = await watchEvents(hub.bus, 'approval.requested')
    const tail = createHubClient({ url: hub.url, token: hub.token }).tail()
    await tail.opened
    const following = (async () => {
      for await (const event of tail) live.push(event as Envelope)
    })()
    try {
      const answer = fetch(`${hub.url}/chat`, {
        method: 'POST',
        headers: { authorization: `Bearer ${hub.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ text: 'Please write two notes', sessionId: 'stored-forms-1', stream: false }),
      }).then((response) => response.json() as Promise<{ ok: boolean; data: { text: string } }>)
      for (let index = 1; index <= 2; index++) {
        const [event] = (await requested.count(index, `approval ${index}`, undefined, 30_000)).slice(-1)
        const { approvalId } = event!.payload as { approvalId: string }
        assert.equal(
          (await call(hub, 'POST', `/approvals/${approvalId}/approve`, { reason: 'yes' })).ok,
          true,
        )
      }
      const answered = await answer
      assert.equal(answered.data.text, NOTES_REPLY)
    } finally {
      await requested.stop()
    }
    await makeDeadLetter(hub, 'stored-forms')
    await waitForAsync(
      async () => ((await call(hub, 'GET', '/events?filter=bus.dlq.moved')).data as unknown[]).length === 1,
      'the dead letter is in the log',
      10_000,
    )
    events = (await call(hub, 'GET', '/events?limit=10000')).data as Envelope[]
    await waitForAsync(
      async () => live.some((event) => event.type === 'bus.dlq.moved'),
      'the tail saw it too',
      10_000,
    )
    tail.close()
    await following
  })
  after(async () => session?.close())

  test('the session has chat, tools, approvals and the DLQ in it', () => {
    const types = new Set(events.map((event) => event.type))
    for (const type of [
      'chat.query',
      'approval.requested',
      'approval.resolved',
      'bus.dlq.moved',
      'turn.end',
    ]) {
      assert.ok(types.has(type), `${type} in ${[...types].join(', ')}`)
    }
    assert.ok(
      events.some((event) => Object.hasOwn(event.payload, '_guardrails')),
      'some events were guarded',
    )
    assert.ok(
      live.some((event) => event.type === 'stream.chunk' && event.seq === undefined),
      'the tail had ephemeral chunks',
    )
  })

  test('every event validates with the published envelope and stored-form schemas (ajv)', (t) => {
    const validators = publishedValidators()
    const failures: string[] = []
    let inFlightFailures = 0
    for (const event of [...events, ...live]) {
      const key = `${event.type}@${event.version}`
      if (!validators.envelope(event))
        failures.push(`${key} envelope: ${JSON.stringify(validators.envelope.errors)}`)
      const stored = validators.stored(key)
      if (stored === undefined) failures.push(`${key}: no stored-form schema`)
      else if (!stored(event.payload)) failures.push(`${key}: ${JSON.stringify(stored.errors)}`)
      if (validators.inFlight(key)?.(event.payload) === false) inFlightFailures++
    }
    t.diagnostic(
      `${events.length} logged + ${live.length} live events, ${inFlightFailures} of them not valid in the in-flight form`,
    )
    assert.deepEqual(failures, [])
    assert.ok(inFlightFailures > 0, 'some stored events do not match their in-flight schema')
  })

  test('every event validates with the generated Pydantic models, stored=True', {
    skip: PYTHON ? false : 'python3 with pydantic 2 is not installed',
  }, (t) => {
    const temp = makeTempDir('localhub-stored-forms-py-')
    t.after(temp.remove)
    const file = join(temp.path, 'events.json')
    writeFileSync(file, JSON.stringify([...events, ...live]))
    const result = spawnSync('python3', ['-c', PYTHON_CHECK, join(ROOT, 'python'), file], {
      encoding: 'utf8',
    })
    assert.equal(result.status, 0, result.stderr)
    const report = JSON.parse(result.stdout) as {
      checked: number
      stored_failures: unknown[]
      in_flight_failures: number
    }
    t.diagnostic(`${report.checked} events, ${report.in_flight_failures} rejected by the in-flight models`)
    assert.equal(report.checked, events.length + live.length)
    assert.deepEqual(report.stored_failures, [])
    assert.ok(report.in_flight_failures > 0, 'the in-flight models reject some stored events')
  })
})
