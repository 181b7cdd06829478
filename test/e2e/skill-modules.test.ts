import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join, resolve } from 'node:path'
import { after, describe, test } from 'node:test'
import WebSocket from 'ws'
import { startFsNudgeServer } from '../../examples/skills/fs-nudge/http-server.ts'
import { DEFAULT_MANIFEST_PATH, openHub, type RunningHub } from '../../src/kernel/index.ts'
import { openManifestHub } from '../kit/manifest-hub.ts'
import { makeTempDir } from '../kit/temp-dir.ts'
import { watchEvents } from '../kit/wait-for.ts'

const EXAMPLE_DIR = resolve(import.meta.dirname, '../../examples/skills/fs-nudge')
const PROBE = resolve(import.meta.dirname, '../fixtures/skills/probe-skill.ts')

function fsChanged(path: string) {
  return {
    type: 'event.fs.changed' as const,
    payload: { path, kind: 'modify' as const, ts: new Date().toISOString() },
  }
}

function probeManifest(options: {
  skills: { id: string; config?: Record<string, unknown>; provides?: string[]; consumes?: string[] }[]
  pipelines: string
}): string {
  const skills = options.skills
    .map(
      (skill) => `  - id: ${skill.id}
    version: "0.1"
    role: "probe"
    transport: { type: inproc, module: ${JSON.stringify(PROBE)} }
    provides: ${JSON.stringify(skill.provides ?? ['nudge.proposal'])}
    consumes: ${JSON.stringify(skill.consumes ?? [])}
    latencyClass: background
    config: ${JSON.stringify(skill.config ?? {})}`,
    )
    .join('\n')
  return `manifestVersion: "0.2"
system: { id: probe-hub, name: "probe", mode: local-first }
skills:
${skills}
pipelines:
${options.pipelines}
`
}

interface TestContextLike {
  after(fn: () => Promise<void> | void): void
}

function hubWith(manifestText: string, t: TestContextLike) {
  return openManifestHub(t, manifestText)
}

async function health(hub: RunningHub) {
  const response = await fetch(`${hub.url}/health`, { headers: { authorization: `Bearer ${hub.token}` } })
  const body = (await response.json()) as {
    data: { status: string; skills: { id: string; status: string; reason?: string }[] }
  }
  return body.data
}

/** A hub with one probe skill (logging to a temp file) and the given pipelines. */
async function probeHub(t: TestContextLike, pipelines: string) {
  const temp = makeTempDir()
  t.after(() => temp.remove())
  return hubWith(
    probeManifest({ skills: [{ id: 'skill.probe', config: { log: join(temp.path, 'log') } }], pipelines }),
    t,
  )
}

/** A WebSocket to the hub's /ws/probe entry, closed after the test. */
function probeSocket(t: TestContextLike, hub: RunningHub): WebSocket {
  const socket = new WebSocket(`${hub.url.replace('http', 'ws')}/ws/probe`, {
    headers: { authorization: `Bearer ${hub.token}` },
  })
  t.after(() => socket.close())
  return socket
}

describe('the worked example of docs/adding-a-skill.md', () => {
  test('in process: a watched file change becomes a nudge.proposal in the change’s trace; others do not', async (t) => {
    const { hub } = await hubWith(
      readFileSync(join(EXAMPLE_DIR, 'manifest.yaml'), 'utf8').replaceAll(
        './index.ts',
        join(EXAMPLE_DIR, 'index.ts'),
      ),
      t,
    )
    const proposals = await watchEvents(hub.bus, 'nudge.proposal')
    const ends = await watchEvents(hub.bus, 'turn.end')
    const ignored = await hub.bus.publish(fsChanged('src/app.ts'))
    const watched = await hub.bus.publish(fsChanged('notes/plan.md'))
    const proposal = await proposals.next((event) => event.type === 'nudge.proposal', 'a proposal')
    assert.equal((proposal.payload as { title: string }).title, 'notes/plan.md was modified')
    assert.equal(proposal.source, 'kernel')
    // Both changes ran the pipeline; only the watched one proposed.
    await ends.count(2, 'two runs ending')
    assert.equal(proposals.events.length, 1)
    assert.ok(ignored.id !== watched.id)
    assert.equal((await health(hub)).status, 'ok')
  })

  test('over HTTP: the same skill as a server, named by the manifest’s transport', async (t) => {
    const server: Server = await startFsNudgeServer(0)
    t.after(() => new Promise<void>((done) => server.close(() => done())))
    const port = (server.address() as AddressInfo).port
    const text = readFileSync(join(EXAMPLE_DIR, 'http-manifest.yaml'), 'utf8').replace(':8091', `:${port}`)
    const { hub } = await hubWith(text, t)
    const proposals = await watchEvents(hub.bus, 'nudge.proposal')
    await hub.bus.publish(fsChanged('notes/todo.txt'))
    const proposal = await proposals.next(() => true, 'a proposal from the http skill')
    assert.equal(proposal.source, 'skill.fs-nudge')
    assert.equal((proposal.payload as { title: string }).title, 'notes/todo.txt changed')
  })
})

describe('the pipeline runner', () => {
  test('a WS entry starts a run on its recv type; later messages feed recv steps; if/then reads a skill condition', async (t) => {
    const { hub } = await probeHub(
      t,
      `  - id: pipeline.ws.probe
    steps:
      - { recv: "voice.start", via: "kernel.ws:/ws/probe" }
      - { recv: "voice.end" }
      - { if: "received_two", then: "call:skill.probe" }
      - { emit: "turn.end" }`,
    )
    const socket = probeSocket(t, hub)
    const frames: { type: string; payload: Record<string, unknown> }[] = []
    const ended = new Promise<void>((done) =>
      socket.on('message', (data) => {
        const frame = JSON.parse(String(data))
        frames.push(frame)
        if (process.env.DEBUG_WS) console.log(JSON.stringify(frame).slice(0, 300))
        if (frame.type === 'turn.end') done()
      }),
    )
    await new Promise((done) => socket.once('open', done))
    socket.send(JSON.stringify({ type: 'voice.end', payload: { totalMs: 1 } }))
    socket.send('not json')
    socket.send(
      JSON.stringify({ type: 'voice.start', payload: { sampleRate: 16000, format: 'pcm16', channels: 1 } }),
    )
    socket.send(JSON.stringify({ type: 'voice.end', payload: { totalMs: 10 } }))
    await ended
    const errors = frames.filter(
      (frame) => frame.type === 'error.raised' && frame.payload.where === '/ws/probe',
    )
    assert.equal(errors.length, 2, JSON.stringify(frames))
    assert.match(String(errors[0]!.payload.message), /starts with voice\.start/)
    const proposal = frames.find((frame) => frame.type === 'nudge.proposal')
    assert.equal(proposal?.payload.title, 'received 2: voice.start voice.end')
    const statuses = frames
      .filter((frame) => frame.type === 'pipeline.status')
      .map((frame) => frame.payload.step)
    assert.ok(statuses.includes('2.0 call:skill.probe'), JSON.stringify(statuses))
  })

  test('a waiting run is listed by GET /runs and ended by POST /runs/cancel; bad cancel bodies are refused', async (t) => {
    const { hub } = await probeHub(
      t,
      `  - id: pipeline.ws.probe
    steps:
      - { recv: "voice.start", via: "kernel.ws:/ws/probe" }
      - { recv: "voice.end" }
      - { call: "skill.probe" }`,
    )
    const call = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${hub.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${hub.token}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      })
      return {
        status: response.status,
        body: (await response.json()) as { ok: boolean; data?: unknown; error?: { code: string } },
      }
    }
    const errors = await watchEvents(hub.bus, 'error.raised')
    const socket = probeSocket(t, hub)
    await new Promise((done) => socket.once('open', done))
    const started = await watchEvents(hub.bus, 'pipeline.status')
    socket.send(
      JSON.stringify({ type: 'voice.start', payload: { sampleRate: 16000, format: 'pcm16', channels: 1 } }),
    )
    await started.next(
      (event) => (event.payload as { step: string }).step === '1 recv:voice.end',
      'the run waiting',
    )
    const runs = (await call('GET', '/runs')).body.data as { traceId: string; trigger: string }[]
    assert.equal(runs.length, 1)
    assert.equal(runs[0]!.trigger, 'ws')
    for (const bad of [{}, { traceID: 'x' }, { traceId: 7 }, []]) {
      const refused = await call('POST', '/runs/cancel', bad)
      assert.equal(refused.status, 422, JSON.stringify(bad))
      assert.equal(refused.body.error?.code, 'E_VALIDATION')
    }
    const cancelled = await call('POST', '/runs/cancel', { traceId: runs[0]!.traceId })
    assert.deepEqual(cancelled.body.data, { cancelled: 1 })
    const error = await errors.next((event) => event.traceId === runs[0]!.traceId, 'the cancelled run ending')
    assert.equal((error.payload as { code: string }).code, 'E_TIMEOUT')
    assert.deepEqual((await call('GET', '/runs')).body.data, [])
  })

  test('a call step to a skill that serves no steps fails the run with E_BAD_REQUEST', async (t) => {
    const { hub } = await hubWith(
      `manifestVersion: "0.2"
system: { id: no-step-hub, name: "no step", mode: local-first }
skills:
  - id: skill.ui.dashboard
    version: "0.1"
    role: "command-center"
    transport: { type: inproc, module: dashboard }
    provides: []
    consumes: [event.fs.changed]
    latencyClass: realtime_text
pipelines:
  - id: pipeline.no-step
    steps:
      - { recv: "event.fs.changed" }
      - { call: "skill.ui.dashboard" }
`,
      t,
    )
    const errors = await watchEvents(hub.bus, 'error.raised')
    await hub.bus.publish(fsChanged('a.md'))
    const error = await errors.next(() => true, 'the refused call')
    assert.equal((error.payload as { code: string }).code, 'E_BAD_REQUEST')
    assert.match((error.payload as { message: string }).message, /skill\.ui\.dashboard has no step to call/)
  })

  test('a skill that publishes a type outside its provides is refused, in a run and on the bus', async (t) => {
    const temp = makeTempDir()
    t.after(() => temp.remove())
    const log = join(temp.path, 'log')
    const { hub } = await hubWith(
      probeManifest({
        skills: [
          {
            id: 'skill.probe',
            config: { log, publish: 'chat.message', openPublish: 'chat.message' },
            consumes: ['event.fs.changed'],
          },
        ],
        pipelines: `  - id: pipeline.probe
    steps:
      - { recv: "event.fs.changed" }
      - { call: "skill.probe" }`,
      }),
      t,
    )
    assert.match(readFileSync(log, 'utf8'), /open-publish refused E_PERMISSION_REQUIRED/)
    const errors = await watchEvents(hub.bus, 'error.raised')
    const messages = await watchEvents(hub.bus, 'chat.message')
    await hub.bus.publish(fsChanged('a.md'))
    const error = await errors.next(() => true, 'the refusal')
    assert.equal((error.payload as { code: string }).code, 'E_PERMISSION_REQUIRED')
    assert.match((error.payload as { message: string }).message, /skill\.probe may not publish chat\.message/)
    assert.equal(messages.events.length, 0)
  })

  test('skills close in reverse order, a failing close does not stop the rest, a failed open degrades the hub', async (t) => {
    const temp = makeTempDir()
    t.after(() => temp.remove())
    const log = join(temp.path, 'log')
    const { hub } = await hubWith(
      probeManifest({
        skills: [
          { id: 'skill.first', config: { log } },
          { id: 'skill.second', config: { log, failClose: true } },
          { id: 'skill.broken', config: { log, failOpen: true } },
          { id: 'skill.third', config: { log } },
        ],
        pipelines: `  - id: pipeline.chat.text
    steps:
      - { emit: "chat.query" }
      - { emit: "turn.end" }`,
      }),
      t,
    )
    const report = await health(hub)
    assert.equal(report.status, 'degraded')
    const broken = report.skills.find((skill) => skill.id === 'skill.broken')
    assert.equal(broken?.status, 'failed')
    assert.match(broken?.reason ?? '', /told to fail opening/)
    await hub.close()
    const lines = readFileSync(log, 'utf8').trim().split('\n')
    assert.deepEqual(lines, [
      'skill.first open',
      'skill.second open',
      'skill.third open',
      'skill.third close',
      'skill.second close',
      'skill.first close',
    ])
  })
})

describe('manifest checks that need the modules', () => {
  const cases = [
    {
      name: 'an if step naming a condition no enabled skill registers',
      pipelines: `  - id: p
    steps:
      - { recv: "event.fs.changed" }
      - { if: "needs_user_attention", then: "emit:nudge.proposal" }`,
      config: {},
      path: '/pipelines/0/steps/1/if',
      problem: /no enabled skill registers the condition needs_user_attention/,
    },
    {
      name: 'a config key the module does not read',
      pipelines: `  - id: p
    steps:
      - { emit: "chat.query" }`,
      config: { log: '/dev/null', colour: 'blue' },
      path: '/skills/0/config/colour',
      problem: /module probe has no setting colour/,
    },
    {
      name: 'a bus-triggered pipeline that would trigger itself',
      pipelines: `  - id: p
    steps:
      - { recv: "nudge.>" }
      - { call: "skill.probe" }`,
      config: {},
      path: '/pipelines/0/steps/0/recv',
      problem: /would trigger itself/,
    },
  ]
  for (const item of cases) {
    test(`${item.name} is an error with its line`, async (t) => {
      const temp = makeTempDir()
      t.after(() => temp.remove())
      const text = probeManifest({
        skills: [
          { id: 'skill.probe', config: item.config, consumes: ['event.fs.changed', 'nudge.proposal'] },
        ],
        pipelines: item.pipelines,
      })
      writeFileSync(join(temp.path, 'manifest.yaml'), text)
      await assert.rejects(
        openHub({
          dataDir: join(temp.path, 'data'),
          manifestPath: join(temp.path, 'manifest.yaml'),
          port: 0,
          transport: 'memory',
          logger: false,
        }),
        (error: { code: string; details: { issues: { path: string; problem: string; line: number }[] } }) => {
          assert.equal(error.code, 'E_VALIDATION')
          const issue = error.details.issues.find((candidate) => candidate.path === item.path)
          assert.ok(issue, JSON.stringify(error.details.issues))
          assert.match(issue.problem, item.problem)
          assert.ok(issue.line > 1)
          return true
        },
      )
    })
  }

  test('provides missing a type the module publishes is an error', async (t) => {
    const temp = makeTempDir()
    t.after(() => temp.remove())
    const text = probeManifest({
      skills: [{ id: 'skill.probe', provides: ['chat.message'] }],
      pipelines: `  - id: p
    steps:
      - { emit: "chat.query" }`,
    })
    writeFileSync(join(temp.path, 'manifest.yaml'), text)
    await assert.rejects(
      openHub({
        dataDir: join(temp.path, 'data'),
        manifestPath: join(temp.path, 'manifest.yaml'),
        port: 0,
        transport: 'memory',
        logger: false,
      }),
      /publishes nudge\.proposal, which skill\.probe does not provide/,
    )
  })
})

describe('the default manifest', () => {
  let hub: RunningHub | undefined
  after(async () => hub?.close())
  test('starts healthy: every enabled skill is ready', async (t) => {
    const temp = makeTempDir()
    t.after(() => temp.remove())
    hub = await openHub({
      dataDir: join(temp.path, 'data'),
      manifestPath: DEFAULT_MANIFEST_PATH,
      port: 0,
      transport: 'memory',
      logger: false,
    })
    const report = await health(hub)
    assert.deepEqual(
      report.skills.filter((skill) => skill.status !== 'ready'),
      [],
    )
    assert.equal(report.status, 'ok')
  })
})
