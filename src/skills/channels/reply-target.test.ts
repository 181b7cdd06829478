import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Envelope } from '../../contracts/index.ts'
import { inboundRoutingOf, LastActiveChannels, replyTargetFor } from './reply-target.ts'

function message(meta: Record<string, unknown> | undefined): Envelope {
  return {
    id: '01a24400-0000-7000-8000-000000000001',
    type: 'channel.message.received',
    version: 1,
    ts: '2026-12-04T10:00:00Z',
    source: 'pinchy://listener/matrix-1',
    severity: 'info',
    traceId: 't',
    tenant: 'default',
    payload: {},
    ...(meta === undefined ? {} : { meta }),
  } as Envelope
}

test('reads the agent, the target and the source channel the Pinchy dialect keeps in meta', () => {
  const inbound = inboundRoutingOf(
    message({
      pinchy: {
        routing: {
          agent_id: 'main',
          isolation_key: 'k',
          target: { channel_id: 'c-9', extra: 1, thread_id: '' },
        },
        source: { component_type: 'listener', component_id: 'm', platform: 'matrix', channel_id: 'c-1' },
      },
    }),
  )
  assert.deepEqual(inbound, {
    agentId: 'main',
    isolationKey: 'k',
    target: { channel_id: 'c-9' },
    channel: { platform: 'matrix', channel_id: 'c-1' },
  })
  assert.deepEqual(inboundRoutingOf(message(undefined)), { agentId: 'default' })
  // A platform without a channel id names no channel to answer on.
  assert.deepEqual(inboundRoutingOf(message({ pinchy: { source: { platform: 'matrix' } } })), {
    agentId: 'default',
  })
})

test('the target is the message’s own, else the session’s last active channel, else none', () => {
  const channels = new LastActiveChannels()
  const here = { platform: 'matrix', channel_id: 'c-1' }
  assert.deepEqual(replyTargetFor({ agentId: 'a', channel: here }, 's1', channels), here)
  assert.deepEqual(replyTargetFor({ agentId: 'a' }, 's1', channels), here)
  assert.deepEqual(
    replyTargetFor({ agentId: 'a', target: { address: '+1' }, channel: here }, 's1', channels),
    {
      address: '+1',
    },
  )
  assert.equal(replyTargetFor({ agentId: 'a' }, 's2', channels), undefined)
})

test('the oldest session is forgotten first once the limit is reached', () => {
  const channels = new LastActiveChannels(2)
  channels.record('a', { channel_id: '1' })
  channels.record('b', { channel_id: '2' })
  channels.record('a', { channel_id: '3' })
  channels.record('c', { channel_id: '4' })
  assert.equal(channels.get('b'), undefined)
  assert.deepEqual(channels.get('a'), { channel_id: '3' })
  assert.deepEqual(channels.get('c'), { channel_id: '4' })
})
