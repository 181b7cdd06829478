import assert from 'node:assert/strict'
import { statSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { makeTempDir } from '../../../test/kit/temp-dir.ts'
import { ReplyOutbox } from './reply-outbox.ts'

test('keeps replies in order until acknowledged, across reopening, in an owner-only file', (t) => {
  const temp = makeTempDir()
  t.after(() => temp.remove())
  const path = join(temp.path, 'outbox.sqlite')
  const outbox = new ReplyOutbox(path)
  outbox.add('b', { n: 2 }, 2_000)
  outbox.add('a', { n: 1 }, 1_000)
  outbox.markPublished('a')
  outbox.close()
  assert.equal(statSync(path).mode & 0o777, 0o600)

  const reopened = new ReplyOutbox(path)
  t.after(() => reopened.close())
  assert.deepEqual(
    reopened.pending().map((reply) => [reply.responseId, reply.published, reply.envelope]),
    [
      ['a', true, { n: 1 }],
      ['b', false, { n: 2 }],
    ],
  )
  assert.equal(reopened.acknowledge('a'), true)
  assert.equal(reopened.acknowledge('a'), false)
  assert.equal(reopened.prune(2_001), 1)
  assert.deepEqual(reopened.pending(), [])
})
