// The publish path asks the permission checker once per run of one type in a batch (decision
// 2089), and still refuses, on its own, every draft of a type the principal may not publish.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { testRegistry } from '../../test/kit/test-registry.ts'
import { createContracts, createGuardrails } from '../contracts/index.ts'
import { createBatchPublisher } from './bus-publish.ts'
import { LiveDispatcher } from './live-dispatcher.ts'
import { createPermissionChecker } from './permissions.ts'
import type { AppendItem, Transport } from './transport-types.ts'

const registry = testRegistry()

function publisherWith(grants: readonly string[]) {
  const checker = createPermissionChecker({ skill: { publish: grants } })
  const asked: string[] = []
  let seq = 0
  const transport = {
    append: async (items: AppendItem[]) =>
      items.map((item) => ({ id: item.envelope.id, seq: ++seq, duplicate: false })),
  } as unknown as Transport
  const publish = createBatchPublisher({
    clock: { now: () => Date.UTC(2026, 11, 6), setTimeout, clearTimeout } as never,
    transport,
    trusted: new LiveDispatcher({ limits: undefined, onError: () => {} } as never),
    prepare: {
      contracts: createContracts(registry),
      guardrails: createGuardrails(registry),
      defaultSource: 'test',
    },
    permissions: {
      checkPublish(principal, type) {
        asked.push(type)
        checker.checkPublish(principal, type)
      },
      checkSubscribe: () => {},
    },
    dedupeWindowMs: 1000,
  })
  return { publish, asked }
}

const note = (n: number) => ({ type: 'note.added', payload: { n } })

test('a batch of one type asks the permission checker once', async () => {
  const { publish, asked } = publisherWith(['note.*'])
  const outcomes = await publish(
    Array.from({ length: 50 }, (_, n) => note(n)),
    'skill',
  )
  assert.equal(outcomes.length, 50)
  assert.ok(outcomes.every((outcome) => outcome.ok))
  assert.deepEqual(asked, ['note.added'])
})

test('a refused type is refused at every draft of it, whatever ran before', async () => {
  const { publish, asked } = publisherWith(['note.*'])
  const other = { type: 'chat.query', payload: { text: 'hi' } }
  const outcomes = await publish([note(1), other, note(2), other, other, note(3)], 'skill')
  assert.deepEqual(
    outcomes.map((outcome) => (outcome.ok ? 'ok' : outcome.error.code)),
    ['ok', 'E_PERMISSION_REQUIRED', 'ok', 'E_PERMISSION_REQUIRED', 'E_PERMISSION_REQUIRED', 'ok'],
  )
  // A refused type is asked at each of its drafts; the allowed one stays allowed without asking.
  assert.deepEqual(asked, ['note.added', 'chat.query', 'chat.query', 'chat.query'])
})
