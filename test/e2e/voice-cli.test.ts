// End to end: `localhub voice turn|say|transcribe` with real audio. flite speaks the question, the
// CLI streams the WAV to a real hub's /ws/voice (found through server.json and the token file, as
// `localhub chat` finds it), pocketsphinx hears it, the loopback model answers and the answer WAV
// the CLI writes is understood by pocketsphinx again.
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { after, before, describe, test } from 'node:test'
import { main } from '../../src/cli/index.ts'
import type { RunningHub } from '../../src/kernel/index.ts'
import { type FakeOllamaServer, type ScriptRequest, startOllamaServer } from '../kit/llm-servers/index.ts'
import { makeTempDir } from '../kit/temp-dir.ts'
import { convertAudio, readWave, speakToWave, transcribe } from '../kit/voice-client.ts'
import { openVoiceHub, UNPACED_TTS_CONFIG } from '../kit/voice-hub.ts'

const QUESTION = 'tell me a joke about the weather'
const ANSWER = 'The weather is sunny.'

function reply(request: ScriptRequest): string {
  const question = request.messages.filter((message) => message.role === 'user').at(-1)?.content ?? ''
  return question.includes('joke') ? ANSWER : 'I did not hear a joke.'
}

function words(text: string): string[] {
  return text.toLowerCase().match(/[a-z']+/g) ?? []
}

async function cli(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  let out = ''
  let err = ''
  stdout.on('data', (chunk) => {
    out += String(chunk)
  })
  stderr.on('data', (chunk) => {
    err += String(chunk)
  })
  const code = await main(['voice', ...args], { stdin: new PassThrough(), stdout, stderr, env: {}, cwd })
  return { code, stdout: out, stderr: err }
}

/** A stereo 48 kHz 32-bit float WAV of the same speech (format code 3). */
function floatStereoWave(audio: { sampleRate: number; pcm: Buffer }): Buffer {
  const data = convertAudio(audio, { sampleRate: 48_000, format: 'f32', channels: 2 })
  const header = Buffer.alloc(44)
  header.write('RIFF', 0, 'ascii')
  header.writeUInt32LE(36 + data.length, 4)
  header.write('WAVEfmt ', 8, 'ascii')
  header.writeUInt32LE(16, 16)
  header.writeUInt16LE(3, 20)
  header.writeUInt16LE(2, 22)
  header.writeUInt32LE(48_000, 24)
  header.writeUInt32LE(48_000 * 8, 28)
  header.writeUInt16LE(8, 32)
  header.writeUInt16LE(32, 34)
  header.write('data', 36, 'ascii')
  header.writeUInt32LE(data.length, 40)
  return Buffer.concat([header, data])
}

describe('localhub voice', { timeout: 180_000 }, () => {
  const temp = makeTempDir('localhub-voice-cli-')
  let ollama: FakeOllamaServer
  let hub: RunningHub
  let questionPath: string
  let question: { sampleRate: number; pcm: Buffer }

  before(async () => {
    questionPath = join(temp.path, 'question.wav')
    question = speakToWave(QUESTION, questionPath)
    ollama = await startOllamaServer({ reply })
    // The CLI writes the answer's audio to a file, nothing plays it: it need not come at playback pace.
    hub = await openVoiceHub(temp.path, ollama.url, undefined, UNPACED_TTS_CONFIG)
  })
  after(async () => {
    await hub?.close()
    await ollama?.close()
    temp.remove()
  })

  test('turn: the hub hears the WAV, answers, and the answer audio is written as a WAV', async () => {
    const result = await cli(
      ['turn', 'question.wav', '--out', 'answer.wav', '--data', join(temp.path, 'data')],
      temp.path,
    )
    assert.equal(result.code, 0, result.stderr)
    const heard = /^heard: (.*)$/m.exec(result.stdout)?.[1] ?? ''
    assert.ok(words(heard).includes('joke'), `heard "${heard}"`)
    assert.match(result.stdout, /^answer: The weather is sunny\.$/m)
    const answer = readWave(join(temp.path, 'answer.wav'))
    assert.ok(answer.pcm.length / 2 / answer.sampleRate > 0.5, 'at least half a second of answer audio')
    const spoken = words(transcribe(answer.pcm))
    assert.ok(
      spoken.includes('weather') || spoken.includes('sunny'),
      `the answer audio says "${spoken.join(' ')}"`,
    )
  })

  test('turn: a 48 kHz stereo float WAV is sent as it is and the hub resamples it', async () => {
    writeFileSync(join(temp.path, 'question-f32.wav'), floatStereoWave(question))
    const result = await cli(
      ['turn', 'question-f32.wav', '--json', '--url', hub.url, '--data', join(temp.path, 'data')],
      temp.path,
    )
    assert.equal(result.code, 0, result.stderr)
    const frames = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; payload: Record<string, unknown> })
    const start = frames.find((frame) => frame.type === 'voice.start')
    assert.deepEqual(start?.payload, { sampleRate: 48_000, format: 'f32', channels: 2 })
    const final = frames.find((frame) => frame.type === 'stt.final')
    // Linear interpolation up to 48 kHz blurs "joke"; "weather" survives it.
    assert.ok(words(String(final?.payload.text)).includes('weather'), `heard "${final?.payload.text}"`)
    assert.equal(frames.at(-1)?.type, 'turn.end')
    assert.ok(frames.some((frame) => frame.type === 'tts.audio' && frame.payload.bytesB64 === undefined))
  })

  test('turn: no hub running is exit 4 and says how to start one', async () => {
    const result = await cli(['turn', 'question.wav', '--data', join(temp.path, 'elsewhere')], temp.path)
    assert.equal(result.code, 4)
    assert.match(result.stderr, /no running hub found in .*elsewhere; start one with `localhub serve/)
  })

  test('turn: a wrong token is exit 4 with the status the hub answered', async () => {
    const stdout = new PassThrough()
    const stderr = new PassThrough()
    let err = ''
    stderr.on('data', (chunk) => {
      err += String(chunk)
    })
    const code = await main(['voice', 'turn', questionPath, '--url', hub.url], {
      stdin: new PassThrough(),
      stdout,
      stderr,
      env: { LOCALHUB_TOKEN: 'not-the-token' },
      cwd: temp.path,
    })
    assert.equal(code, 4, err)
    assert.match(err, /answered 401/)
  })

  test('file errors are exit 3: missing, not a WAV, unsupported formats', async () => {
    const missing = await cli(['turn', 'nothing.wav', '--url', hub.url], temp.path)
    assert.equal(missing.code, 3)
    assert.match(missing.stderr, /nothing\.wav: no such file/)

    writeFileSync(join(temp.path, 'text.wav'), 'this is not audio at all')
    const notWave = await cli(['transcribe', 'text.wav'], temp.path)
    assert.equal(notWave.code, 3)
    assert.match(notWave.stderr, /text\.wav is not a WAV file/)

    const eightBit = floatStereoWave(question)
    eightBit.writeUInt16LE(1, 20)
    eightBit.writeUInt16LE(8, 34)
    writeFileSync(join(temp.path, 'eight-bit.wav'), eightBit)
    const unsupported = await cli(['transcribe', 'eight-bit.wav'], temp.path)
    assert.equal(unsupported.code, 3)
    assert.match(unsupported.stderr, /unsupported format: 8-bit integer PCM/)

    const slow = floatStereoWave(question)
    slow.writeUInt32LE(4_000, 24)
    writeFileSync(join(temp.path, 'slow.wav'), slow)
    const rate = await cli(['turn', 'slow.wav', '--url', hub.url], temp.path)
    assert.equal(rate.code, 3)
    assert.match(rate.stderr, /unsupported format: 4000 Hz/)
  })

  test('say writes speech that transcribe reads back, without a hub', async () => {
    const said = await cli(['say', 'the weather is sunny today', '--out', 'said.wav'], temp.path)
    assert.equal(said.code, 0, said.stderr)
    const heard = await cli(['transcribe', 'said.wav', '--json'], temp.path)
    assert.equal(heard.code, 0, heard.stderr)
    const transcript = JSON.parse(heard.stdout) as { text: string; confidence: number }
    assert.ok(words(transcript.text).includes('weather'), `heard "${transcript.text}"`)
    assert.ok(transcript.confidence > 0)

    const floatHeard = await cli(['transcribe', 'question-f32.wav'], temp.path)
    assert.equal(floatHeard.code, 0, floatHeard.stderr)
    assert.ok(words(floatHeard.stdout).includes('weather'), `heard "${floatHeard.stdout}"`)
  })

  test('usage mistakes are exit 2', async () => {
    assert.equal((await cli(['say', 'no output file'], temp.path)).code, 2)
    assert.equal((await cli(['transcribe'], temp.path)).code, 2)
    assert.equal((await cli(['sing'], temp.path)).code, 2)
  })
})
