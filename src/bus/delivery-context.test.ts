// A delivery's context (decision 2092): a class instance whose `reply` is made only when read,
// instead of an own closure per delivery. Replies keep what the command carried (causation, trace,
// session, tenant; severity when asked), publish as the delivery's principal, and work detached.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { testRegistry } from '../../test/kit/test-registry.ts'
import { waitFor } from '../../test/kit/wait-for.ts'
import type { Envelope } from '../contracts/index.ts'
import { memoryTransport } from '../transports/memory/index.ts'
import { createBus } from './bus.ts'
import type { Bus, EventContext } from './bus-types.ts'

async function memoryBus(t: { after(fn: () => unknown): void }): Promise<Bus> {
  const bus = await createBus({
    registry: testRegistry(),
    transport: memoryTransport(),
    permissions: {
      installer: { publish: ['repo.skill.install.result'], subscribe: ['repo.skill.install'] },
      listener: { subscribe: ['repo.skill.install'] },
    },
  })
  t.after(() => bus.close())
  return bus
}

const command = {
  type: 'repo.skill.install',
  payload: { name: 'x' },
  traceId: '0123456789abcdef0123456789abcdef',
  sessionId: 'session-7',
  tenant: 'acme',
}

test('a reply carries the command’s causation, trace, session and tenant, and the severity asked', async (t) => {
  const bus = await memoryBus(t)
  const replies: Envelope[] = []
  await bus.subscribe('repo.skill.install.result', (envelope) => void replies.push(envelope), {
    durable: 'replies',
    from: 'first',
  })
  const contexts: EventContext[] = []
  await bus.subscribe(
    'repo.skill.install',
    async (envelope, context) => {
      contexts.push(context)
      await context.reply({ ok: true, name: String(envelope.payload.name) }, { severity: 'warn' })
    },
    { durable: 'installer', from: 'first' },
  )
  const receipt = await bus.publishUntyped(command)
  await waitFor(() => replies.length === 1, 'the reply', 5_000)
  const [reply] = replies
  assert.equal(reply!.type, 'repo.skill.install.result')
  assert.deepEqual(reply!.payload, { ok: true, name: 'x' })
  assert.equal(reply!.causationId, receipt.id)
  assert.equal(reply!.traceId, command.traceId)
  assert.equal(reply!.sessionId, command.sessionId)
  assert.equal(reply!.tenant, 'acme')
  assert.equal(reply!.severity, 'warn')
  const [context] = contexts
  assert.equal(context!.attempt, 1)
  assert.equal(context!.seq, receipt.seq)
  assert.equal(context!.consumer, 'installer')
})

test('a reply without a session or severity has neither; a detached reply still answers', async (t) => {
  const bus = await memoryBus(t)
  const replies: Envelope[] = []
  await bus.subscribe('repo.skill.install.result', (envelope) => void replies.push(envelope), {
    durable: 'replies',
    from: 'first',
  })
  await bus.subscribe(
    'repo.skill.install',
    async (envelope, context) => {
      const { reply } = context
      await reply({ ok: true, name: String(envelope.payload.name) })
    },
    { durable: 'installer', from: 'first' },
  )
  const { sessionId: _, ...sessionless } = command
  const receipt = await bus.publishUntyped(sessionless)
  await waitFor(() => replies.length === 1, 'the reply', 5_000)
  assert.equal(replies[0]!.causationId, receipt.id)
  assert.equal(replies[0]!.traceId, command.traceId)
  assert.equal('sessionId' in replies[0]!, false)
  assert.equal(replies[0]!.severity, 'info')
})

test('a reply is published as the delivery’s principal, under its grants', async (t) => {
  const bus = await memoryBus(t)
  const replies: Envelope[] = []
  await bus.subscribe('repo.skill.install.result', (envelope) => void replies.push(envelope), {
    durable: 'replies',
    from: 'first',
  })
  const refusals: unknown[] = []
  for (const principal of ['installer', 'listener'])
    await bus.as(principal).subscribe(
      'repo.skill.install',
      async (_envelope, context) => {
        await context.reply({ ok: true, name: principal }).catch((error: unknown) => refusals.push(error))
      },
      { durable: principal, from: 'first' },
    )
  await bus.publishUntyped(command)
  await waitFor(() => replies.length === 1 && refusals.length === 1, 'one reply and one refusal', 5_000)
  assert.equal(replies[0]!.payload.name, 'installer')
  assert.equal((refusals[0] as { code?: string }).code, 'E_PERMISSION_REQUIRED')
})

test('no function is made per delivery: reply is not an own property, and is made once when read', async (t) => {
  const bus = await memoryBus(t)
  const contexts: EventContext[] = []
  await bus.subscribe('note.added', (_envelope, context) => void contexts.push(context), {
    durable: 'notes',
    from: 'first',
  })
  await bus.publishManyUntyped([1, 2].map((n) => ({ type: 'note.added', payload: { n } })))
  await waitFor(() => contexts.length === 2, 'two deliveries', 5_000)
  const [first, second] = contexts
  assert.deepEqual(Object.getOwnPropertyNames(first), ['attempt', 'seq', 'consumer'])
  assert.equal(first!.reply, first!.reply, 'read twice, the same function')
  assert.notEqual(first!.reply, second!.reply, 'each context answers its own event')
  assert.equal(Object.getPrototypeOf(first), Object.getPrototypeOf(second))
})
