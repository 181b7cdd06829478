// GET /events for a member sends each visible event's stored row text, as an owner's replayJson
// does, picked by the row's type instead of parsing each row and serialising it again (decision
// 1794). Grants, limit and the bytes of the answer stay those of a replay that serialised.
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { test } from 'node:test'
import { makeTempDir } from '../../../test/kit/temp-dir.ts'
import { testRegistry } from '../../../test/kit/test-registry.ts'
import { collect } from '../../../test/kit/wait-for.ts'
import { type Bus, createBus } from '../../bus/index.ts'
import { sqliteTransport } from '../../transports/sqlite/index.ts'
import type { HubPort, Principal } from '../server/index.ts'
import { createHubPort, type HubPortParts } from './hub-port.ts'

const MEMBER: Principal = {
  id: 'member-1',
  via: 'bearer',
  role: 'member',
  grants: { publish: [], subscribe: ['note.>'] },
}
const OWNER: Principal = { id: 'owner', via: 'bearer' }

async function hubOnSqlite(t: { after(fn: () => unknown): void }): Promise<{ bus: Bus; port: HubPort }> {
  const dir = makeTempDir('localhub-port-replay-json-')
  const bus = await createBus({
    registry: testRegistry(),
    transport: sqliteTransport({ path: join(dir.path, 'events.sqlite') }),
  })
  t.after(async () => {
    await bus.close()
    dir.remove()
  })
  // Only the bus is used by replayJson; the other parts are never reached.
  const port = createHubPort({ bus } as unknown as HubPortParts)
  return { bus, port }
}

async function publishMixed(bus: Bus, count: number): Promise<void> {
  const drafts = Array.from({ length: count }, (_, n) =>
    n % 3 === 0
      ? { type: 'chat.message', payload: { n }, sessionId: `s${n % 2}` }
      : { type: 'note.added', payload: { n, title: `note ${n} "quoted" é \u2028` }, sessionId: `s${n % 2}` },
  )
  const outcomes = await bus.publishManyUntyped(drafts)
  assert.ok(outcomes.every((outcome) => outcome.ok))
}

const texts = async (port: HubPort, principal: Principal, limit: number) =>
  (await collect(port.replayJson!({ principal, limit, signal: new AbortController().signal }))).map(
    (part) => part.json,
  )

test("a member's GET /events texts are its visible rows' stored text, in order, up to the limit", async (t) => {
  const { bus, port } = await hubOnSqlite(t)
  await publishMixed(bus, 30)
  const rows = await collect(bus.replayJson({}))
  const visible = rows.filter((row) => row.type === 'note.added').map((row) => row.json)
  const member = await texts(port, MEMBER, 1000)
  assert.deepEqual(member, visible)
  assert.ok(
    member.every((text) => JSON.parse(text).type === 'note.added'),
    'no type it may not read',
  )
  // The body the route builds from them is the one a serialising replay gave.
  const serialised = (await collect(bus.replay({}))).filter((event) => event.type === 'note.added')
  assert.equal(`{"ok":true,"data":[${member.join(',')}]}`, JSON.stringify({ ok: true, data: serialised }))
  assert.deepEqual(await texts(port, MEMBER, 5), visible.slice(0, 5))
  // The owner's answer is every row, as before.
  assert.deepEqual(
    await texts(port, OWNER, 1000),
    rows.map((row) => row.json),
  )
})

test("a member's GET /events neither parses nor serialises the events it sends", async (t) => {
  const { bus, port } = await hubOnSqlite(t)
  await publishMixed(bus, 30)
  let serialisedEvents = 0
  let parses = 0
  const { stringify, parse } = JSON
  t.mock.method(JSON, 'stringify', (...parameters: Parameters<typeof JSON.stringify>) => {
    const [value] = parameters
    if (typeof value === 'object' && value !== null && 'seq' in value && 'type' in value) serialisedEvents++
    return stringify(...parameters)
  })
  t.mock.method(JSON, 'parse', (...parameters: Parameters<typeof JSON.parse>) => {
    parses++
    return parse(...parameters)
  })
  const member = await texts(port, MEMBER, 1000)
  t.mock.restoreAll()
  assert.equal(member.length, 20)
  assert.equal(serialisedEvents, 0)
  assert.equal(parses, 0)
})
