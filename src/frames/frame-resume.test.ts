// Resume on a carrier that loses frames without closing (core NATS, decision 1851): a gap either
// way, or a lost tail seen only from a heartbeat, is filled by a resume; nothing is processed twice.
import assert from 'node:assert/strict'
import { Transform } from 'node:stream'
import { describe, test } from 'node:test'
import { waitFor } from '../../test/kit/wait-for.ts'
import { createFrameSession, type FrameSession } from './frame-session.ts'
import type { Frame, FrameBody } from './frame-types.ts'
import { createFrameValidator } from './frame-validator.ts'

const validator = createFrameValidator()
const TOKEN = 'resume-secret'

/** A one-way link that drops every line while `dropping` is set (a NATS subscriber that is away). */
function lossyLink(): { link: Transform; state: { dropping: boolean; dropped: number } } {
  const state = { dropping: false, dropped: 0 }
  const link = new Transform({
    transform(chunk, _encoding, done) {
      if (state.dropping) {
        state.dropped += String(chunk)
          .split('\n')
          .filter((line) => line !== '').length
        done()
      } else done(null, chunk)
    },
  })
  return { link, state }
}

function push(guid: string): FrameBody {
  return {
    kind: 'notification_push',
    subscription_id: 'publish',
    adapter_id: 'skill.t',
    event_guid: guid,
    payload_content_type: 'application/json',
    payload: '{}',
  }
}

function pair(heartbeatIntervalMs = 60_000) {
  const toHost = lossyLink()
  const toHub = lossyLink()
  const hubGot: string[] = []
  const hostGot: string[] = []
  const guids = (frame: Frame, into: string[]) => {
    if (frame.kind === 'notification_push') into.push(String(frame.event_guid))
  }
  const hub = createFrameSession({
    role: 'backend',
    peerRole: 'tool',
    sessionId: 's-r',
    resumeToken: TOKEN,
    resumeOnGap: true,
    validator,
    options: { heartbeatIntervalMs },
    handlers: { onFrame: (frame) => guids(frame, hubGot) },
  })
  let host: FrameSession
  let resumes = 0
  host = createFrameSession({
    role: 'tool',
    peerRole: 'backend',
    sessionId: 's-r',
    resumeOnGap: true,
    validator,
    options: { heartbeatIntervalMs },
    handlers: {
      onFrame: (frame) => guids(frame, hostGot),
      onGap: () => {
        resumes++
        host.requestResume(TOKEN)
      },
    },
  })
  hub.attach({ input: toHub.link, output: toHost.link })
  host.attach({ input: toHost.link, output: toHub.link })
  return {
    hub,
    host,
    hubGot,
    hostGot,
    toHost: toHost.state,
    toHub: toHub.state,
    resumes: () => resumes,
    close() {
      hub.close()
      host.close()
    },
  }
}

describe('resume on a lossy carrier', () => {
  test('frames the host missed are replayed once the next frame shows the gap', async (t) => {
    const link = pair()
    t.after(() => link.close())
    link.hub.send(push('a'))
    await waitFor(() => link.hostGot.length === 1, 'a')
    link.toHost.dropping = true
    link.hub.send(push('b'))
    link.hub.send(push('c'))
    await waitFor(() => link.toHost.dropped === 2, 'b and c lost')
    link.toHost.dropping = false
    link.hub.send(push('d'))
    await waitFor(() => link.hostGot.length === 4, 'b, c, d after the resume')
    assert.deepEqual(link.hostGot, ['a', 'b', 'c', 'd'])
    assert.equal(link.resumes(), 1)
    assert.equal(link.host.stats().receivedSeq, 4)
  })

  test('frames the hub missed: its frame_seq_gap error makes the host resume and replay', async (t) => {
    const link = pair()
    t.after(() => link.close())
    link.toHub.dropping = true
    link.host.send(push('x'))
    link.host.send(push('y'))
    await waitFor(() => link.toHub.dropped === 2, 'x and y lost')
    link.toHub.dropping = false
    link.host.send(push('z'))
    await waitFor(() => link.hubGot.length === 3, 'x, y, z after the resume')
    assert.deepEqual(link.hubGot, ['x', 'y', 'z'])
    assert.equal(link.resumes(), 1)
    // Later frames go on in order, nothing twice.
    link.host.send(push('w'))
    await waitFor(() => link.hubGot.length === 4, 'w')
    assert.deepEqual(link.hubGot, ['x', 'y', 'z', 'w'])
  })

  test('a lost tail is seen from the next heartbeat and replayed', async (t) => {
    const link = pair(40)
    t.after(() => link.close())
    link.toHost.dropping = true
    link.hub.send(push('only'))
    await waitFor(() => link.toHost.dropped >= 1, 'the frame lost')
    link.toHost.dropping = false
    await waitFor(() => link.hostGot.length === 1, 'the frame after a heartbeat', 3000)
    assert.deepEqual(link.hostGot, ['only'])
  })

  test('a resume_request lost too is sent again after an interval', async (t) => {
    const link = pair(40)
    t.after(() => link.close())
    link.toHost.dropping = true
    link.hub.send(push('p'))
    await waitFor(() => link.toHost.dropped >= 1, 'p lost')
    link.toHub.dropping = true
    link.toHost.dropping = false
    // The hub's heartbeats show the gap; the host's resume_request is lost on its way.
    await waitFor(() => link.toHub.dropped >= 2, 'a resume request lost', 3000)
    link.toHub.dropping = false
    await waitFor(() => link.hostGot.length === 1, 'p after a retried resume', 3000)
    assert.deepEqual(link.hostGot, ['p'])
  })
})
