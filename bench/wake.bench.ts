// The wake word (pocketsphinx keyword spotting, src/wake-word): hits and false wakes per hour over a
// generated corpus (flite speech in four voices, everyday sentences, some sharing the phrase's
// sounds, pauses and low noise) at several thresholds; the detector's CPU on one core while
// idle-listening (room noise) and while people talk; and on a real hub, wake → listening: from the
// end of the phrase in a real-time stream to voice.wake.detected and to the session's `listening`
// state. BENCH_QUICK=1 shortens the corpus.
import { KeywordSpotter, WAKE_SAMPLE_RATE_HZ } from '../src/wake-word/index.ts'
import { startOllamaServer } from '../test/kit/llm-servers/index.ts'
import { makeTempDir } from '../test/kit/temp-dir.ts'
import { VoiceClient } from '../test/kit/voice-client.ts'
import { addNoise, buildCorpus, seededRandom, silence, speak16k } from '../test/kit/wake-corpus.ts'
import { openWakeHub } from '../test/kit/wake-hub.ts'
import { WyomingSatellite } from '../test/kit/wyoming-satellite.ts'
import { median, percentile, report } from './stats.ts'

const QUICK = process.env.BENCH_QUICK === '1'
const PHRASE = 'hey jarvis'
const CORPUS_SECONDS = QUICK ? 180 : 900
const CORPUS_WAKES = QUICK ? 8 : 30
// BENCH_WAKE_THRESHOLDS=1e-20,1e-40 measures only those.
const THRESHOLDS = (process.env.BENCH_WAKE_THRESHOLDS ?? '1e-5,1e-10,1e-20,1e-30,1e-40')
  .split(',')
  .map(Number)
const CHUNK_BYTES = 3200 // 100 ms
/** A detection up to this long after the phrase's end counts as a hit. */
const HIT_WINDOW_MS = 1000
const LATENCY_ROUNDS = QUICK ? 3 : 8

const msOf = (bytes: number) => (bytes / 2 / WAKE_SAMPLE_RATE_HZ) * 1000

// 1. Hits and false wakes per hour, by threshold.
const corpus = buildCorpus({ seconds: CORPUS_SECONDS, phrase: PHRASE, wakes: CORPUS_WAKES, seed: 2121 })
const hours = msOf(corpus.pcm.length) / 3_600_000
for (const threshold of THRESHOLDS) {
  const spotter = KeywordSpotter.open([{ phrase: PHRASE, threshold }])
  const detections: number[] = []
  const cpuBefore = process.cpuUsage()
  for (let offset = 0; offset < corpus.pcm.length; offset += CHUNK_BYTES) {
    const found = spotter.push(corpus.pcm.subarray(offset, offset + CHUNK_BYTES))
    if (found !== undefined) detections.push(msOf(offset + found.byteOffset))
  }
  const cpu = process.cpuUsage(cpuBefore)
  spotter.close()
  const hit = new Set<number>()
  const delays: number[] = []
  let falseWakes = 0
  for (const at of detections) {
    const index = corpus.wakes.findIndex((wake) => at >= wake.startMs && at <= wake.endMs + HIT_WINDOW_MS)
    if (index === -1) falseWakes++
    else {
      hit.add(index)
      delays.push(at - corpus.wakes[index]!.endMs)
    }
  }
  report({
    bench: 'wake.corpus',
    unit: 'hit rate',
    median: hit.size / corpus.wakes.length,
    threshold,
    hits: hit.size,
    wakes: corpus.wakes.length,
    falseWakes,
    falseWakesPerHour: Math.round((falseWakes / hours) * 10) / 10,
    corpusMinutes: Math.round(hours * 600) / 10,
    // In the audio: from the phrase's end (flite's trailing silence included) to the detection.
    detectionAfterPhraseEndMs: Math.round(median(delays)),
    cpuPercentOfOneCore: Math.round(((cpu.user + cpu.system) / 1000 / msOf(corpus.pcm.length)) * 1000) / 10,
  })
}

// 2. CPU while idle-listening: a minute of room noise (and, for comparison, of people talking).
const random = seededRandom(7)
const roomNoise = addNoise(silence(60_000), 150, random)
const talking = corpus.pcm.subarray(0, Math.min(corpus.pcm.length, 60_000 * 32))
for (const [name, audio] of [
  ['idle (room noise)', roomNoise],
  ['people talking', talking],
] as const) {
  const spotter = KeywordSpotter.open([{ phrase: PHRASE, threshold: 1e-20 }])
  const rounds: number[] = []
  for (let round = 0; round < 3; round++) {
    const before = process.cpuUsage()
    for (let offset = 0; offset < audio.length; offset += CHUNK_BYTES)
      spotter.push(audio.subarray(offset, offset + CHUNK_BYTES))
    const used = process.cpuUsage(before)
    rounds.push(((used.user + used.system) / 1000 / msOf(audio.length)) * 100)
  }
  spotter.close()
  report({ bench: `wake.cpu ${name}`, unit: '% of one core', median: Math.round(median(rounds) * 100) / 100 })
}

// 3. Wake → listening on a real hub, the stream paced in real time.
const temp = makeTempDir('localhub-wake-bench-')
const ollama = await startOllamaServer({ reply: () => 'Yes.' })
const hub = await openWakeHub(
  temp.path,
  ollama.url,
  { mode: 'wake_word', phrases: [{ phrase: PHRASE, threshold: 1e-20 }] },
  { port: 0 },
)
const toListening: number[] = []
const toWakeEvent: number[] = []
// The same on a Wyoming satellite streaming with run-pipeline start_stage wake (decision 1560).
const toDetection: number[] = []
try {
  const phrase = speak16k(PHRASE)
  const question = speak16k('what time is it')
  for (let round = 0; round < LATENCY_ROUNDS; round++) {
    const client = await VoiceClient.connect(hub.url, hub.token, '/ws/voice/listen?source=bench')
    const arrivals = new Map<string, number>()
    client.socket.on('message', (data) => {
      const frame = JSON.parse(String(data)) as { type: string; payload: { to?: string } }
      const key = frame.type === 'session.state.changed' ? `state:${frame.payload.to}` : frame.type
      if (!arrivals.has(key)) arrivals.set(key, performance.now())
    })
    client.send('voice.start', { sampleRate: 16000, format: 'pcm16', channels: 1 })
    const audio = Buffer.concat([silence(400), phrase, silence(300), question, silence(1500)])
    const phraseEnd = 400 * 32 + phrase.length
    const started = performance.now()
    let phraseEndSentAt = 0
    for (let offset = 0; offset < audio.length; offset += CHUNK_BYTES) {
      client.sendRaw(audio.subarray(offset, offset + CHUNK_BYTES))
      if (phraseEndSentAt === 0 && offset + CHUNK_BYTES >= phraseEnd) phraseEndSentAt = performance.now()
      const due = started + msOf(offset + CHUNK_BYTES)
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())))
    }
    await client.next((frame) => frame.type === 'turn.end', 'turn.end', 0, 60_000)
    client.close()
    toListening.push(arrivals.get('state:listening')! - phraseEndSentAt)
    toWakeEvent.push(arrivals.get('voice.wake.detected')! - phraseEndSentAt)
  }
  for (let round = 0; round < LATENCY_ROUNDS; round++) {
    const satellite = await WyomingSatellite.connect(hub.wyoming!.port)
    let detectedAt = 0
    satellite.socket.on('data', () => {
      if (detectedAt === 0 && satellite.received.some((event) => event.type === 'detection'))
        detectedAt = performance.now()
    })
    satellite.send('run-pipeline', { start_stage: 'wake', end_stage: 'tts', restart_on_end: false })
    const audio = Buffer.concat([silence(400), phrase, silence(300), question, silence(1500)])
    const phraseEnd = 400 * 32 + phrase.length
    const started = performance.now()
    let phraseEndSentAt = 0
    for (let offset = 0; offset < audio.length; offset += CHUNK_BYTES) {
      satellite.send(
        'audio-chunk',
        { rate: 16000, width: 2, channels: 1 },
        audio.subarray(offset, offset + CHUNK_BYTES),
      )
      if (phraseEndSentAt === 0 && offset + CHUNK_BYTES >= phraseEnd) phraseEndSentAt = performance.now()
      const due = started + msOf(offset + CHUNK_BYTES)
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())))
    }
    await satellite.next((event) => event.type === 'audio-stop', 'the answer', 0, 60_000)
    satellite.close()
    toDetection.push(detectedAt - phraseEndSentAt)
  }
} finally {
  await hub.close()
  await ollama.close()
  temp.remove()
}
for (const [name, samples] of [
  ['phrase end sent → session listening', toListening],
  ['phrase end sent → voice.wake.detected', toWakeEvent],
  ['Wyoming satellite: phrase end sent → detection', toDetection],
] as const)
  report({
    bench: `wake.latency ${name}`,
    unit: 'ms',
    median: Math.round(median(samples) * 10) / 10,
    p90: Math.round(percentile(samples, 0.9) * 10) / 10,
    rounds: samples.length,
  })
