// localhub/client against a running hub: chat stream, publish, replay, the live tail resuming
// across a hub restart with no gap, approvals, and the hub's refusals as HubClientError.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import {
  createHubClient,
  type HubClient,
  HubClientError,
  type StoredEnvelope,
} from '../../src/client/index.ts'
import { NOTE_PATHS, NOTES_REPLY, type SessionHub, startSessionHub } from '../kit/session-hub.ts'

/** The next `count` events, leaving the tail open (breaking out of `for await` would close it). */
async function take(tail: AsyncIterable<StoredEnvelope>, count: number): Promise<StoredEnvelope[]> {
  const iterator = tail[Symbol.asyncIterator]()
  const taken: StoredEnvelope[] = []
  while (taken.length < count) {
    const next = await iterator.next()
    if (next.done === true) break
    taken.push(next.value)
  }
  return taken
}

/** Approves every pending approval until stopped, as a person at the dashboard would. */
function approveEverything(client: HubClient): { stop(): Promise<string[]> } {
  const approved: string[] = []
  let running = true
  const loop = (async () => {
    while (running) {
      for (const approval of await client.approvals({ status: 'pending' })) {
        await client.approve(approval.id, { reason: 'fine' })
        approved.push(approval.targets.join(','))
      }
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  })()
  return {
    async stop() {
      running = false
      await loop
      return approved
    },
  }
}

describe('the TypeScript client against a running hub', { timeout: 120_000 }, () => {
  let session: SessionHub
  let client: HubClient

  before(async () => {
    session = await startSessionHub('localhub-client-ts-')
    client = createHubClient({ url: session.hub.url, token: session.hub.token, tailRetryDelayMs: 100 })
  })
  after(async () => session?.close())

  test('chat streams the turn; the model writes two notes once they are approved', async () => {
    assert.match(
      await client.chatText('hello there', { sessionId: 'client-ts-1' }),
      /^Hello\. You said: hello there/,
    )
    const approver = approveEverything(client)
    const parts = []
    for await (const part of client.chat('Please write two notes', { sessionId: 'client-ts-2' }))
      parts.push(part)
    const approved = await approver.stop()
    assert.equal(approved.length, 2)
    assert.deepEqual(
      parts
        .filter((part) => part.event === 'tool.status')
        .map((part) => (part.data as { status: string }).status),
      ['requested', 'done', 'requested', 'done'],
    )
    assert.equal(parts.map((part) => part.text ?? '').join(''), NOTES_REPLY)
    assert.equal(parts[0]!.event, 'stream.start')
    for (const [index, path] of NOTE_PATHS.entries())
      assert.equal(readFileSync(join(session.workspace, path), 'utf8'), `note ${index + 1}\n`)
    const decided = await client.approvals({ status: 'approved' })
    assert.equal(decided.length, 2)
  })

  test('publish answers the receipt; replay pages through GET /events in seq order', async () => {
    const receipts = []
    for (let index = 0; index < 5; index++)
      receipts.push(
        await client.publish({ type: 'ui.feedback', payload: { target: `replay-${index}`, helpful: true } }),
      )
    assert.ok(receipts.every((receipt) => typeof receipt.seq === 'number'))
    const paged = createHubClient({ url: session.hub.url, token: session.hub.token, replayPageSize: 2 })
    const replayed = []
    for await (const event of paged.replay({ filter: 'ui.feedback', from: receipts[0]!.seq }))
      replayed.push(event)
    assert.deepEqual(
      replayed.map((event) => event.seq),
      receipts.map((receipt) => receipt.seq),
    )
    const limited = []
    for await (const event of paged.replay({ filter: 'ui.feedback', limit: 3 })) limited.push(event)
    assert.equal(limited.length, 3)
  })

  test('the live tail resumes after the hub restarts: nothing lost, nothing twice', async () => {
    const first = await client.publish({ type: 'ui.feedback', payload: { target: 'tail-0', helpful: true } })
    const tail = client.tail({ filter: 'ui.feedback', from: first.seq! })
    await tail.opened
    await client.publish({ type: 'ui.feedback', payload: { target: 'tail-1', helpful: true } })
    const before = await take(tail, 2)
    await session.restart()
    // Published while the client is still reconnecting: it must get them by resuming from its last seq.
    await session.hub.bus.publish({ type: 'ui.feedback', payload: { target: 'tail-2', helpful: true } })
    await session.hub.bus.publish({ type: 'ui.feedback', payload: { target: 'tail-3', helpful: true } })
    const afterRestart = await take(tail, 2)
    tail.close()
    const targets = [...before, ...afterRestart].map((event) => (event.payload as { target: string }).target)
    assert.deepEqual(targets, ['tail-0', 'tail-1', 'tail-2', 'tail-3'])
    assert.ok(tail.reconnects >= 1, 'the tail reconnected')
    assert.equal(tail.lastSeq, afterRestart[1]!.seq)
  })

  test('refusals arrive as HubClientError with the hub code and status', async () => {
    await assert.rejects(
      client.publish({ type: 'ui.feedback', payload: { target: 7 } } as never),
      (error: HubClientError) =>
        error instanceof HubClientError && error.code === 'E_VALIDATION' && error.status === 422,
    )
    const stranger = createHubClient({ url: session.hub.url, token: 'not-the-token' })
    await assert.rejects(stranger.approvals(), (error: HubClientError) => error.status === 401)
    await assert.rejects(take(stranger.tail(), 1), (error: HubClientError) => error.status === 401)
    await assert.rejects(
      stranger.tail().opened,
      (error: HubClientError) => error.code === 'E_PERMISSION_REQUIRED',
    )
    await assert.rejects(
      take(client.tail({ filter: 'bad..pattern' }), 1),
      (error: HubClientError) => error.code === 'E_BAD_REQUEST',
    )
    const nobody = createHubClient({ url: 'http://127.0.0.1:9', token: 't', requestTimeoutMs: 2000 })
    await assert.rejects(
      nobody.chatText('hi'),
      (error: HubClientError) => error.code === 'E_DEPENDENCY_UNAVAILABLE',
    )
    assert.throws(() => createHubClient({ url: 'ftp://x', token: 't' }), /http or https/)
    assert.throws(() => createHubClient({ url: 'http://x', token: ' ' }), /token/)
  })
})
