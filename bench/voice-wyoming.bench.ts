// Voice turn latency through the hub's Wyoming server (docs/voice.md, Wyoming satellites): a
// loopback satellite streams a flite-spoken question in real time (40 ms chunks) after
// run-pipeline asr→tts, then audio-stop; voice_rtt is the time from its audio-stop to the first
// answer audio-chunk back, with the same loopback Ollama server as voice.bench.ts (first token after
// 50 ms, a word every 40 ms) and unpaced TTS. The same hub also runs the same turns over /ws/voice
// (voice.bench.ts's measure: voice.end → first tts.audio), so the ratio holds on a loaded machine.
import { join } from 'node:path'
import { startOllamaServer } from '../test/kit/llm-servers/index.ts'
import { makeTempDir } from '../test/kit/temp-dir.ts'
import { speakToWave, streamUtterance, VoiceClient } from '../test/kit/voice-client.ts'
import { openWyomingHub } from '../test/kit/wyoming-hub.ts'
import { WyomingSatellite } from '../test/kit/wyoming-satellite.ts'
import { median, percentile, report } from './stats.ts'

const TURNS = 10
const WARMUP = 2
const FIRST_TOKEN_DELAY_MS = 50
const TOKEN_DELAY_MS = 40
const QUESTION = 'what time is it'
const ANSWER = 'It is three o clock. The weather is sunny, and it will stay warm and dry until the evening.'

const temp = makeTempDir('localhub-voice-wyoming-bench-')
const question = speakToWave(QUESTION, join(temp.path, 'question.wav'))
const ollama = await startOllamaServer({
  reply: () => ANSWER,
  firstTokenDelayMs: FIRST_TOKEN_DELAY_MS,
  tokenDelayMs: TOKEN_DELAY_MS,
})
const hub = await openWyomingHub(
  temp.path,
  ollama.url,
  { port: 0 },
  { engine: 'flite', voicePreset: 'slt', pacing: false },
)
// Turns end on the hub after their audio (memory is written): each round waits for its turn.end.
let ended = 0
const endWaiters = new Set<() => void>()
await hub.bus.subscribe('turn.end', () => {
  ended++
  for (const waiter of endWaiters) waiter()
})
function turnsEnded(count: number): Promise<void> {
  return new Promise((resolve) => {
    const waiter = () => {
      if (ended < count) return
      endWaiters.delete(waiter)
      resolve()
    }
    endWaiters.add(waiter)
    waiter()
  })
}

try {
  const satellite = await WyomingSatellite.connect(hub.wyoming.port)
  const client = await VoiceClient.connect(hub.url, hub.token)
  const rtts: number[] = []
  const transcripts: number[] = []
  const wsRtts: number[] = []
  const wsTranscripts: number[] = []
  // One turn over each entry per round, so that both see the same load.
  for (let round = 0; round < WARMUP + TURNS; round++) {
    let before = ended
    const from = satellite.received.length
    satellite.send('run-pipeline', { start_stage: 'asr', end_stage: 'tts' })
    await satellite.stream(question, { chunkMs: 40, realTime: true })
    const stopped = performance.now()
    await satellite.next((event) => event.type === 'transcript', 'the transcript', from, 60_000)
    const heard = performance.now()
    await satellite.next((event) => event.type === 'audio-chunk', 'the first answer audio', from, 60_000)
    const audioAt = performance.now()
    await turnsEnded(before + 1)
    before = ended
    const frames = client.frames.length
    await streamUtterance(client, question, { realTime: true, chunkMs: 40 })
    const wsEnded = performance.now()
    await client.next((frame) => frame.type === 'stt.final', 'the transcript', frames, 60_000)
    const wsHeard = performance.now()
    await client.next((frame) => frame.type === 'tts.audio', 'the first answer audio', frames, 60_000)
    const wsAudioAt = performance.now()
    await turnsEnded(before + 1)
    if (round < WARMUP) continue
    rtts.push(audioAt - stopped)
    transcripts.push(heard - stopped)
    wsRtts.push(wsAudioAt - wsEnded)
    wsTranscripts.push(wsHeard - wsEnded)
  }
  satellite.close()
  client.close()
  report({
    bench: 'voice.wyoming.rtt.ws-same-hub',
    unit: 'ms',
    median: median(wsRtts),
    p95: percentile(wsRtts, 0.95),
    transcriptMedianMs: median(wsTranscripts),
    turns: TURNS,
  })
  report({
    bench: 'voice.wyoming.rtt',
    unit: 'ms',
    median: median(rtts),
    p95: percentile(rtts, 0.95),
    transcriptMedianMs: median(transcripts),
    ratioToWsMedian: median(rtts) / median(wsRtts),
    turns: TURNS,
    firstTokenDelayMs: FIRST_TOKEN_DELAY_MS,
    tokenDelayMs: TOKEN_DELAY_MS,
  })
} finally {
  await hub.close()
  await ollama.close()
  temp.remove()
}
