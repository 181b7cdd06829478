import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Bus, PublishOptions } from '../../bus/index.ts'
import type { Principal } from '../server/index.ts'
import { principalClient } from './principal-bus.ts'

/** A bus whose owner client answers a receipt per draft and keeps the arrays it was handed. */
function recordingBus() {
  const handed: (readonly unknown[])[] = []
  const owner = {
    async publishManyUntyped(drafts: readonly unknown[], _options?: PublishOptions) {
      handed.push(drafts)
      return drafts.map((_draft, index) => ({
        ok: true as const,
        data: { id: `id-${index}`, seq: index + 1 },
      }))
    },
    async publishUntyped(draft: unknown) {
      handed.push([draft])
      return { id: 'id-0', seq: 1 }
    },
  }
  const bus = { as: () => owner } as unknown as Bus
  return { bus, handed }
}

const OWNER: Principal = { id: 'owner', via: 'bearer' }
const draft = (target: string, meta?: Record<string, unknown>) => ({
  type: 'ui.feedback',
  payload: { target, helpful: true },
  ...(meta === undefined ? {} : { meta }),
})

test("the owner's drafts reach the bus as the very array sent when none claims an identity", async () => {
  const { bus, handed } = recordingBus()
  const drafts = [draft('a'), draft('b', { note: 'kept' }), draft('c')]
  const results = await principalClient(bus, OWNER).publishManyUntyped(drafts)
  assert.equal(handed[0], drafts)
  assert.deepEqual(
    results.map((result) => result.ok && result.data.seq),
    [1, 2, 3],
  )
})

test("an owner's draft that claims a peer or principal loses the claim; the others are untouched", async () => {
  const { bus, handed } = recordingBus()
  const drafts = [draft('a'), draft('b', { peer: { id: 'someone-else' }, note: 'kept' }), draft('c')]
  await principalClient(bus, OWNER).publishManyUntyped(drafts)
  const sent = handed[0]!
  assert.notEqual(sent, drafts)
  assert.equal(sent[0], drafts[0])
  assert.deepEqual((sent[1] as { meta: unknown }).meta, { note: 'kept' })
  assert.equal(sent[2], drafts[2])
  assert.deepEqual((drafts[1] as { meta: unknown }).meta, { peer: { id: 'someone-else' }, note: 'kept' })
})

test('a member is refused the types it may not publish, line by line, and its events carry who it is', async () => {
  const { bus, handed } = recordingBus()
  const member: Principal = {
    id: 'phone',
    via: 'bearer',
    role: 'member',
    grants: { publish: ['ui.feedback'], subscribe: [] },
  }
  const drafts = [draft('a'), { type: 'chat.query', payload: { text: 'hi' } }, draft('c')]
  const results = await principalClient(bus, member).publishManyUntyped(drafts)
  assert.deepEqual(
    results.map((result) => (result.ok ? result.data.seq : result.error.code)),
    [1, 'E_PERMISSION_REQUIRED', 2],
  )
  assert.deepEqual(
    handed[0]!.map((sent) => (sent as { meta?: { principal?: string } }).meta?.principal),
    ['phone', 'phone'],
  )
})
