// The tail's replay phase keeps each replayed event's stored text (ReplayOptions.storedJson,
// decision 1793), so the WS route forwards it instead of serialising the event again. The text is
// the stored row's; selection and permissions are those of a replay without the option.
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { test } from 'node:test'
import { makeTempDir } from '../../../test/kit/temp-dir.ts'
import { testRegistry } from '../../../test/kit/test-registry.ts'
import { collect } from '../../../test/kit/wait-for.ts'
import { type Bus, createBus, storedJsonOf } from '../../bus/index.ts'
import type { Envelope } from '../../contracts/index.ts'
import { sqliteTransport } from '../../transports/sqlite/index.ts'
import { tailEvents } from './tail-events.ts'

async function sqliteBus(t: { after(fn: () => unknown): void }): Promise<Bus> {
  const dir = makeTempDir('localhub-tail-stored-json-')
  const bus = await createBus({
    registry: testRegistry(),
    transport: sqliteTransport({ path: join(dir.path, 'events.sqlite') }),
    permissions: { member: { publish: [], subscribe: ['note.>'] } },
  })
  t.after(async () => {
    await bus.close()
    dir.remove()
  })
  return bus
}

async function publishMixed(bus: Bus, count: number): Promise<void> {
  const drafts = Array.from({ length: count }, (_, n) =>
    n % 3 === 0
      ? { type: 'chat.message', payload: { n }, sessionId: `s${n % 2}` }
      : { type: 'note.added', payload: { n, title: `note ${n} "quoted" é` }, sessionId: `s${n % 2}` },
  )
  const outcomes = await bus.publishManyUntyped(drafts)
  assert.ok(outcomes.every((outcome) => outcome.ok))
}

test('a replay asked for stored JSON keeps each envelope’s stored text; without it, none', async (t) => {
  const bus = await sqliteBus(t)
  await publishMixed(bus, 12)
  const rows = await collect(bus.replayJson({}))
  const kept = await collect(bus.replay({ storedJson: true }))
  const plain = await collect(bus.replay({}))
  assert.equal(kept.length, 12)
  assert.deepEqual(kept, plain, 'the same envelopes')
  for (const [n, envelope] of kept.entries()) assert.equal(storedJsonOf(envelope), rows[n]!.json)
  for (const envelope of plain) assert.equal(storedJsonOf(envelope), undefined)
  // A member's replay with the option is still checked against its grants.
  const member = bus.as('member')
  await assert.rejects(collect(member.replay({ filter: 'chat.>', storedJson: true })), {
    code: 'E_PERMISSION_REQUIRED',
  })
  const notes = await collect(member.replay({ filter: 'note.>', storedJson: true }))
  assert.ok(notes.length > 0 && notes.every((envelope) => envelope.type === 'note.added'))
})

test('the tail’s catch-up forwards the stored row of each event a member may read, and nothing else', async (t) => {
  const bus = await sqliteBus(t)
  await publishMixed(bus, 30)
  const rows = await collect(bus.replayJson({}))
  const delivered: Envelope[] = []
  const controller = new AbortController()
  t.after(() => controller.abort())
  let ended = ''
  await new Promise<void>((resolve) => {
    tailEvents(
      bus,
      { fromSeq: 1, toSeq: 30, principal: { id: 'member', via: 'bearer', role: 'member' } },
      (event) => void delivered.push(event),
      controller.signal,
      (reason) => {
        ended = reason
        resolve()
      },
      (type) => type === 'note.added',
    )
  })
  assert.match(ended, /to=30/)
  const visibleRows = rows.filter((row) => row.type === 'note.added')
  assert.equal(delivered.length, visibleRows.length)
  assert.ok(
    delivered.every((event) => event.type === 'note.added'),
    'no type the member may not read',
  )
  delivered.forEach((event, n) => {
    assert.equal(storedJsonOf(event), visibleRows[n]!.json, `seq ${event.seq}: the forwarded text is the row`)
  })
})
