import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import { connect, headers, type NatsConnection } from '@nats-io/transport-node'
import { type NatsServerHandle, startNatsServer } from '../../../test/kit/nats-server.ts'
import { testRegistry } from '../../../test/kit/test-registry.ts'
import { collect, settle, waitFor, watchEvents } from '../../../test/kit/wait-for.ts'
import { type Bus, createBus } from '../../bus/index.ts'
import { loadRegistry } from '../../catalog/index.ts'
import type { Envelope } from '../../contracts/index.ts'
import type { NatsTransportOptions } from './nats-options.ts'
import { natsTransport } from './nats-transport.ts'

// Behaviour only a real server shows: foreign bytes on hub subjects, and a server that goes away.

let server: NatsServerHandle
before(async () => {
  server = await startNatsServer({ name: 'transport' })
})
after(async () => {
  await server?.dispose()
})

// The small test catalog plus the shipped bus.outage.* entries.
function registryWithOutages() {
  const registry = testRegistry()
  registry.entries.push(...loadRegistry().entries.filter((entry) => entry.type.startsWith('bus.outage.')))
  return registry
}

async function openHub(hubId: string, extra: NatsTransportOptions = {}): Promise<Bus> {
  const registry = registryWithOutages()
  return createBus({
    registry,
    hubId,
    transport: natsTransport({ servers: server.url, registry, ...extra }),
  })
}

describe('bad input from a foreign publisher', () => {
  test('garbage, oversized, malformed headers and invalid envelopes go to the DLQ with a reason and never block the session', async (t) => {
    const bus = await openHub('bad', { maxEventBytes: 64 * 1024 })
    t.after(() => bus.close())
    const raw: NatsConnection = await connect({ servers: server.url })
    t.after(() => raw.close())
    const seen: Envelope[] = []
    await bus.subscribe('chat.*', (event) => void seen.push(event), { durable: 'inbox', maxDeliver: 3 })
    const moved: Envelope[] = []
    await bus.subscribe('bus.dlq.moved', (event) => void moved.push(event))

    await bus.publishUntyped({ type: 'chat.message', payload: { n: 1 }, sessionId: 's1' })
    const subject = 'hub.bad.chat.message'
    const good = {
      id: 'x',
      type: 'chat.message',
      version: 1,
      ts: new Date().toISOString(),
      source: 'evil',
      severity: 'info',
      traceId: 't',
      tenant: 'default',
      sessionId: 's1',
    }
    const withHeaders = (entries: Record<string, string>) => {
      const h = headers()
      for (const [name, value] of Object.entries(entries)) h.set(name, value)
      return h
    }
    raw.publish(subject, 'not json at all', { headers: withHeaders({ 'Lh-Type': 'chat.message' }) })
    raw.publish(subject, JSON.stringify({ ...good, payload: { n: 2 } }))
    raw.publish(subject, new Uint8Array(100 * 1024).fill(0x41), {
      headers: withHeaders({ 'Lh-Type': 'chat.message' }),
    })
    raw.publish(subject, new Uint8Array([0xff, 0xfe, 0x00, 0x81, 0xc3]), {
      headers: withHeaders({ 'Lh-Type': 'chat.message' }),
    })
    const y = randomUUID()
    raw.publish(subject, JSON.stringify({ ...good, id: y, traceId: y, payload: { n: 3 } }), {
      headers: withHeaders({ 'Lh-Type': 'chat.message', 'Nats-Msg-Id': y, 'Lh-Session-Seq': 'abc' }),
    })
    const z = randomUUID()
    raw.publish(
      subject,
      `{"id":"${z}","type":"chat.message","version":1,"ts":"${good.ts}","source":"evil","severity":"info","traceId":"${z}","tenant":"default","sessionId":"s1","payload":{"n":"four","__proto__":{"admin":true}}}`,
      {
        headers: withHeaders({ 'Lh-Type': 'chat.message', 'Nats-Msg-Id': z, 'Lh-Session-Seq': '2' }),
      },
    )
    await raw.flush()
    await bus.publishUntyped({ type: 'chat.message', payload: { n: 5 }, sessionId: 's1' })

    await waitFor(
      () => seen.length === 2 && moved.length === 6,
      'two real events handled and six rejections',
      5000,
    )
    await settle(20)
    assert.deepEqual(
      seen.map((event) => event.payload.n),
      [1, 5],
      'the session went on past the garbage',
    )
    assert.deepEqual(
      seen.map((event) => event.sessionSeq),
      [1, 2],
    )
    const entries = await bus.dlq.list({ consumer: 'inbox' })
    assert.equal(entries.length, 6)
    const reasons = entries.map((entry) => entry.lastError)
    assert.ok(
      reasons.some((reason) => /E_VALIDATION: not UTF-8 JSON/.test(reason)),
      reasons.join('\n'),
    )
    assert.ok(reasons.some((reason) => /malformed headers: Lh-Type/.test(reason)))
    assert.ok(reasons.some((reason) => /E_RESOURCE_LIMIT: message of 102400 bytes/.test(reason)))
    assert.ok(reasons.some((reason) => /malformed headers: Lh-Session-Seq/.test(reason)))
    assert.ok(
      reasons.some((reason) => /E_VALIDATION.*\/payload\/n/.test(reason)),
      reasons.join('\n'),
    )
    assert.ok(
      entries.every((entry) => entry.attempts === 1 && entry.envelope.payload.rejected === true),
      'rejected at once, no retries',
    )
    assert.equal(({} as Record<string, unknown>).admin, undefined)
    const log = await collect(bus.replay({ filter: 'chat.*' }))
    assert.deepEqual(
      log.map((event) => event.payload.n),
      [1, 5],
      'replay skips what fails validation',
    )
  })
})

describe('connection loss', () => {
  test('publishes during an outage are retried with their ids: none lost, none duplicated; subscribers resume; the outage is logged', async (t) => {
    const bus = await openHub('outage', { publishTimeoutMs: 500, reconnectWaitMs: 100 })
    t.after(() => bus.close())
    const handled: string[] = []
    await bus.subscribe('note.added', (event) => void handled.push(event.id), {
      durable: 'watcher',
      from: 'first',
    })
    const outages = await watchEvents(bus, 'bus.outage.*')
    for (let n = 0; n < 5; n++) await bus.publishUntyped({ type: 'note.added', payload: { n } })
    await waitFor(() => handled.length === 5, 'events before the outage')

    await server.stop()
    const during = Array.from({ length: 10 }, (_, index) =>
      bus.publishUntyped({ type: 'note.added', payload: { n: 100 + index } }),
    )
    // Not a wait for something: the outage under test lasts longer than publishTimeoutMs (500), so
    // every publish above times out at least once and has to be retried with its id.
    await new Promise((resolve) => setTimeout(resolve, 700))
    await server.start()
    const receipts = await Promise.all(during)
    assert.equal(new Set(receipts.map((receipt) => receipt.seq)).size, 10)
    assert.ok(
      receipts.every((receipt) => receipt.duplicate === undefined),
      JSON.stringify(receipts),
    )

    await waitFor(() => new Set(handled).size === 15, 'every event reaches the durable subscriber', 10_000)
    const notes = await collect(bus.replay({ filter: 'note.added' }))
    assert.equal(notes.length, 15, 'nothing lost, nothing stored twice')
    assert.equal(new Set(notes.map((event) => event.id)).size, 15)
    const outage = await outages.count(2, 'the outage recorded as started and ended')
    assert.deepEqual(
      (await collect(bus.replay({ filter: 'bus.outage.*' }))).map((event) => event.id),
      outage.map((event) => event.id),
      'both are in the log',
    )
    assert.deepEqual(
      outage.map((event) => event.type),
      ['bus.outage.started', 'bus.outage.ended'],
    )
    assert.equal(outage[0]!.payload.transport, 'nats')
    assert.equal(outage[0]!.payload.buffering, true)
    assert.ok((outage[1]!.payload.durationMs as number) >= 500)
    assert.ok((outage[1]!.payload.bufferedEvents as number) >= 1)
  })
})
