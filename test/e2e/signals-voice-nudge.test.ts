import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { parse, stringify } from 'yaml'
import { openHub, type RunningHub } from '../../src/kernel/index.ts'
import { makeTempDir } from '../kit/temp-dir.ts'
import { VoiceClient, type VoiceFrame } from '../kit/voice-client.ts'
import { voiceManifestText } from '../kit/voice-hub.ts'
import { waitForAsync, watchEvents } from '../kit/wait-for.ts'

// A voice nudge is spoken to a real /ws/voice client: full.yaml's voice entry, triage with the
// speech events, and flite. In dnd the same signal is listed on the dashboard and nothing is said.

const TRIAGE = {
  id: 'skill.proactive.triage',
  version: '0.2',
  role: 'attention-manager',
  transport: { type: 'inproc', module: 'proactive' },
  provides: ['nudge.proposal', 'nudge.dispatch', 'tts.start', 'tts.audio', 'tts.end'],
  consumes: ['event.git.build_failed', 'ui.interruptibility', 'nudge.dispatch'],
  latencyClass: 'hybrid',
  config: { rateLimits: { maxVoiceNudgesPerHour: 5, maxToastsPerHour: 6 } },
  policies: {
    ladder: [
      { level: 1, channel: 'dashboard_only', when: 'low' },
      { level: 2, channel: 'toast', when: 'medium' },
      { level: 3, channel: 'voice', when: 'high_and_actionable' },
    ],
  },
}

// As YAML: an object literal with a `then` key reads as a thenable to the linter.
const NUDGE_PIPELINE = parse(`
id: pipeline.proactive.nudge
steps:
  - { recv: "event.>" }
  - { call: "skill.proactive.triage" }
  - { if: "needs_user_attention", then: "emit:nudge.dispatch" }
`) as unknown

async function getJson<T>(hub: RunningHub, path: string): Promise<T> {
  const response = await fetch(`${hub.url}${path}`, { headers: { authorization: `Bearer ${hub.token}` } })
  return ((await response.json()) as { data: T }).data
}

function buildFailed(project: string) {
  return {
    type: 'event.git.build_failed' as const,
    payload: { project, logPath: `/tmp/${project}/build.log`, exitCode: 1 },
  }
}

/** Root mean square of pcm16 audio, 0 to 1. */
function loudness(frames: VoiceFrame[]): { ms: number; rms: number } {
  const pcm = Buffer.concat(frames.map((frame) => Buffer.from(String(frame.payload.bytesB64), 'base64')))
  let sum = 0
  for (let offset = 0; offset + 1 < pcm.length; offset += 2) sum += (pcm.readInt16LE(offset) / 32768) ** 2
  const ms = frames.reduce((total, frame) => total + Number(frame.payload.ms), 0)
  return { ms, rms: Math.sqrt(sum / Math.max(1, pcm.length / 2)) }
}

test('a voice nudge is spoken to a connected /ws/voice client, and nothing is said in dnd', async (t) => {
  const temp = makeTempDir()
  const workspace = join(temp.path, 'workspace')
  mkdirSync(workspace, { recursive: true })
  // The model is never asked: no voice turn runs here.
  const manifest = parse(voiceManifestText('http://127.0.0.1:9', workspace)) as {
    skills: unknown[]
    pipelines: unknown[]
  }
  manifest.skills.push(TRIAGE)
  manifest.pipelines.push(NUDGE_PIPELINE)
  const manifestPath = join(temp.path, 'voice-nudge.yaml')
  writeFileSync(manifestPath, stringify(manifest))
  const hub = await openHub({
    dataDir: join(temp.path, 'data'),
    manifestPath,
    port: 0,
    transport: 'memory',
    logger: false,
  })
  const clients: VoiceClient[] = []
  t.after(async () => {
    for (const client of clients) client.close()
    await hub.close()
    temp.remove()
  })
  const client = await VoiceClient.connect(hub.url, hub.token)
  clients.push(client)
  const dispatches = await watchEvents(hub.bus, 'nudge.dispatch')

  await hub.bus.publish(buildFailed('app'))
  const start = await client.next((frame) => frame.type === 'tts.start', 'the nudge’s tts.start')
  const end = await client.next((frame) => frame.type === 'tts.end', 'the nudge’s tts.end')
  const audio = client.frames.filter((frame) => frame.type === 'tts.audio')
  assert.equal(start.payload.format, 'pcm16')
  assert.ok(audio.length > 0, 'audio between tts.start and tts.end')
  assert.deepEqual(
    audio.map((frame) => frame.payload.seq),
    audio.map((_frame, index) => index),
  )
  const { ms, rms } = loudness(audio)
  assert.ok(ms > 500, `the nudge is said in words, not a click: ${ms} ms`)
  assert.ok(rms > 0.01, `speech, not silence: rms ${rms}`)
  assert.equal(end.payload.totalMs, ms)
  const sessions = new Set(
    client.frames.map((frame) => (frame as VoiceFrame & { sessionId?: string }).sessionId),
  )
  assert.equal(sessions.size, 1, 'every frame names the connection’s session')
  assert.equal((await dispatches.next(() => true, 'the voice dispatch')).payload.channel, 'voice')

  // dnd: the failure is listed (dispatch on dashboard_only) and nothing is spoken. Back to
  // available, the next failure is spoken: the only tts.start after the first is that one.
  await hub.bus.publish({ type: 'ui.interruptibility', payload: { mode: 'dnd' } })
  await waitForAsync(async () => (await getJson<{ mode: string }>(hub, '/attention')).mode === 'dnd', 'dnd')
  await hub.bus.publish(buildFailed('quiet'))
  const muted = await dispatches.next((event) => event.payload.channel !== 'voice', 'the dnd dispatch')
  assert.equal(muted.payload.channel, 'dashboard_only')
  await hub.bus.publish({ type: 'ui.interruptibility', payload: { mode: 'available' } })
  await waitForAsync(
    async () => (await getJson<{ mode: string }>(hub, '/attention')).mode === 'available',
    'available',
  )
  const before = client.frames.length
  await hub.bus.publish(buildFailed('loud'))
  const again = await client.next((frame) => frame.type === 'tts.start', 'the next nudge', before)
  const between = client.frames.slice(0, client.frames.indexOf(again))
  assert.equal(between.filter((frame) => frame.type === 'tts.start').length, 1, 'nothing was said in dnd')
  const dispatched = dispatches.events.filter((event) => event.payload.channel === 'voice')
  assert.equal(again.traceId, dispatched[1]?.traceId, 'the spoken nudge is the second voice dispatch')
})
