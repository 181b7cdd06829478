// Voice turn latency on a real hub (in process, loopback Ollama server whose first token comes
// after 50 ms and then streams a word every 40 ms): a flite-spoken question streamed in real time
// over /ws/voice; voice_rtt is the time from the client's voice.end to the first tts.audio frame
// back. It is measured twice: with the TTS step beside the LLM step (decision 1509, what full.yaml
// does) and after it (decision 1503, the TTS step without `stream: true`). Also: real-time factors
// of the STT (pocketsphinx on the whole utterance) and TTS (flite) engines, barge-in cancel
// latency, and how many sessions at once keep the turn under 2 s. The TTS sends audio unpaced here
// (`pacing: false`), so a turn ends when its audio is out, not when it has played.
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse, stringify } from 'yaml'
import { openHub, type RunningHub } from '../src/kernel/index.ts'
import { startOllamaServer } from '../test/kit/llm-servers/index.ts'
import { makeTempDir } from '../test/kit/temp-dir.ts'
import { speakToWave, streamUtterance, VoiceClient } from '../test/kit/voice-client.ts'
import { voiceManifestText } from '../test/kit/voice-hub.ts'
import { median, percentile, report } from './stats.ts'

const TURNS = 12
const WARMUP = 2
const FIRST_TOKEN_DELAY_MS = 50
const TOKEN_DELAY_MS = 40
const QUESTION = 'what time is it'
const ANSWER = 'It is three o clock. The weather is sunny, and it will stay warm and dry until the evening.'
const TTS_CONFIG = { engine: 'flite', voicePreset: 'slt', pacing: false }

/** A hub running full.yaml's voice turn; `ttsBeside: false` takes `stream: true` off the TTS step. */
async function openBenchHub(folder: string, llmUrl: string, ttsBeside: boolean): Promise<RunningHub> {
  const workspace = join(folder, 'workspace')
  mkdirSync(workspace, { recursive: true })
  const manifest = parse(voiceManifestText(llmUrl, workspace, undefined, TTS_CONFIG)) as {
    pipelines: { steps: Record<string, unknown>[] }[]
  }
  if (!ttsBeside)
    for (const step of manifest.pipelines[0]!.steps) if (step.call === 'skill.voice.tts') delete step.stream
  const manifestPath = join(folder, 'voice.yaml')
  writeFileSync(manifestPath, stringify(manifest))
  return openHub({ dataDir: join(folder, 'data'), manifestPath, port: 0, transport: 'memory', logger: false })
}

const temp = makeTempDir('localhub-voice-bench-')
const question = speakToWave(QUESTION, join(temp.path, 'question.wav'))
const questionMs = (question.pcm.length / 2 / question.sampleRate) * 1000
const ollama = await startOllamaServer({
  reply: () => ANSWER,
  firstTokenDelayMs: FIRST_TOKEN_DELAY_MS,
  tokenDelayMs: TOKEN_DELAY_MS,
})

/**
 * One turn on `client`: ms from voice.end sent to the first tts.audio (voice_rtt), from the
 * transcript (stt.final) to the first tts.audio (the answer's share, which does not include the
 * recogniser's time), and from voice.end to turn.end.
 */
async function turn(client: VoiceClient): Promise<{ rttMs: number; answerMs: number; turnMs: number }> {
  const from = client.frames.length
  await streamUtterance(client, question, { realTime: true, chunkMs: 40 })
  const ended = performance.now()
  await client.next((frame) => frame.type === 'stt.final', 'the transcript', from, 60_000)
  const heard = performance.now()
  await client.next((frame) => frame.type === 'tts.audio', 'the first answer audio', from, 60_000)
  const audioAt = performance.now()
  await client.next((frame) => frame.type === 'turn.end', 'turn.end', from, 60_000)
  return { rttMs: audioAt - ended, answerMs: audioAt - heard, turnMs: performance.now() - ended }
}

/** voice_rtt over TURNS turns (after WARMUP) on one connection, and each turn's voice.end → turn.end. */
async function measureRtt(hub: RunningHub): Promise<{ rtts: number[]; answers: number[]; turns: number[] }> {
  const client = await VoiceClient.connect(hub.url, hub.token)
  const rtts: number[] = []
  const answers: number[] = []
  const turns: number[] = []
  for (let round = 0; round < WARMUP + TURNS; round++) {
    const { rttMs, answerMs, turnMs } = await turn(client)
    if (round >= WARMUP) {
      rtts.push(rttMs)
      answers.push(answerMs)
      turns.push(turnMs)
    }
  }
  client.close()
  return { rtts, answers, turns }
}

// Decision 1503's order first: the TTS step after the LLM step, on its own hub.
const afterFolder = join(temp.path, 'after')
mkdirSync(afterFolder, { recursive: true })
const afterHub = await openBenchHub(afterFolder, ollama.url, false)
try {
  const { rtts, answers, turns } = await measureRtt(afterHub)
  report({
    bench: 'voice.rtt.tts-after-llm',
    unit: 'ms',
    median: median(rtts),
    p95: percentile(rtts, 0.95),
    transcriptToAudioMedianMs: median(answers),
    turnMedianMs: median(turns),
    turns: TURNS,
    firstTokenDelayMs: FIRST_TOKEN_DELAY_MS,
    tokenDelayMs: TOKEN_DELAY_MS,
  })
} finally {
  await afterHub.close()
}

const hub = await openBenchHub(temp.path, ollama.url, true)
try {
  const { rtts, answers, turns } = await measureRtt(hub)
  report({
    bench: 'voice.rtt',
    unit: 'ms',
    median: median(rtts),
    p95: percentile(rtts, 0.95),
    transcriptToAudioMedianMs: median(answers),
    turnMedianMs: median(turns),
    turns: TURNS,
    firstTokenDelayMs: FIRST_TOKEN_DELAY_MS,
    tokenDelayMs: TOKEN_DELAY_MS,
    utteranceMs: Math.round(questionMs),
    goalMs: 800,
  })
  const client = await VoiceClient.connect(hub.url, hub.token)

  // Barge-in: a new voice.start while the previous turn waits for the model (slow first token).
  const bargeIns: number[] = []
  for (let round = 0; round < 5; round++) {
    const from = client.frames.length
    await streamUtterance(client, question, { chunkMs: 40 })
    const final = await client.next((frame) => frame.type === 'stt.final', 'a transcript', from, 60_000)
    const sent = performance.now()
    client.send('voice.start', { sampleRate: 16_000, format: 'pcm16', channels: 1 })
    await client.next(
      (frame) => frame.type === 'turn.end' && frame.traceId === final.traceId,
      'the interrupted turn ending',
      from,
    )
    bargeIns.push(performance.now() - sent)
    client.send('voice.end', { totalMs: 0 })
    await client.next(
      (frame) => frame.type === 'turn.end' && frame.traceId !== final.traceId,
      'the empty turn ending',
      from,
    )
  }
  report({ bench: 'voice.barge-in', unit: 'ms', median: median(bargeIns), max: Math.max(...bargeIns) })
  client.close()

  // Engines alone: real-time factor = processing time / audio duration (below 1 is faster than real time).
  const raw = join(temp.path, 'question.raw')
  writeFileSync(raw, question.pcm)
  const sttRtf: number[] = []
  for (let round = 0; round < 5; round++) {
    const started = performance.now()
    spawnSync('pocketsphinx_continuous', ['-infile', raw, '-logfn', '/dev/null'])
    sttRtf.push((performance.now() - started) / questionMs)
  }
  report({
    bench: 'voice.stt.rtf',
    unit: 'ratio',
    median: median(sttRtf),
    engine: 'pocketsphinx',
    note: 'model load included',
  })
  const ttsRtf: number[] = []
  for (let round = 0; round < 5; round++) {
    const started = performance.now()
    execFileSync('flite', ['-voice', 'slt', '-t', ANSWER, '-o', join(temp.path, 'answer.wav')])
    const spentMs = performance.now() - started
    const answer = speakToWave(ANSWER, join(temp.path, 'answer.wav'))
    ttsRtf.push(spentMs / ((answer.pcm.length / 2 / answer.sampleRate) * 1000))
  }
  report({ bench: 'voice.tts.rtf', unit: 'ratio', median: median(ttsRtf), engine: 'flite slt' })

  // Concurrent sessions, each streaming in real time: the largest count whose slowest turn (voice.end
  // to turn.end) stays under 2 s.
  let sustained = 0
  for (const sessions of [1, 2, 4, 6, 8]) {
    const clients = await Promise.all(
      Array.from({ length: sessions }, () => VoiceClient.connect(hub.url, hub.token)),
    )
    const turns = await Promise.all(clients.map((each) => turn(each)))
    for (const each of clients) each.close()
    const slowest = Math.max(...turns.map((each) => each.turnMs))
    report({
      bench: 'voice.concurrent',
      unit: 'ms',
      median: median(turns.map((each) => each.turnMs)),
      sessions,
      slowest,
    })
    if (slowest > 2_000) break
    sustained = sessions
  }
  report({ bench: 'voice.concurrent.sustained', unit: 'sessions', median: sustained, limitMs: 2_000 })
} finally {
  await hub.close()
  await ollama.close()
  temp.remove()
}
