// `localhub voice turn IN.wav`: one voice turn with the running hub over /ws/voice, the protocol of
// docs/voice.md. The file is sent in its own format (the hub resamples); the answer's tts.audio is
// written to --out as a WAV file.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import WebSocket from 'ws'
import { AUTH_TOKEN_FILE, findRunningServer, TOKEN_ENV_VARIABLE } from '../../kernel/index.ts'
import { parseArgs } from '../args.ts'
import { type CommandIo, UsageError, writeLine } from '../io.ts'
import { DATA_DIR_HELP, dataDirFor } from './data-dir.ts'
import { EXIT_TURN_FAILED, readInputWave, writeOutputFile } from './voice-files.ts'
import { durationMsOf, encodeWave, frameBytesOf, type Wave } from './voice-wave.ts'

/** How long a turn may take from the first byte sent to turn.end. */
export const DEFAULT_TURN_TIMEOUT_MS = 120_000

export const TURN_USAGE = `usage: localhub voice turn FILE.wav [--out ANSWER.wav] [options]

Sends the recorded question to the running hub's /ws/voice (start it with \`localhub serve\`),
prints what it heard and its answer, and writes the spoken answer to --out.

  --out FILE.wav   where to write the answer's audio (16-bit mono)
  --data DIR       data directory of the running hub (${DATA_DIR_HELP})
  --url URL        the hub's URL instead of the one recorded in the data directory
  --json           print every event of the turn as a JSON line (audio left out)
  --timeout-ms N   give up after N ms (default ${DEFAULT_TURN_TIMEOUT_MS})`
/** Below the hub's 16 KiB message limit. */
const MAX_FRAME_BYTES = 8 * 1024
/**
 * Well under the hub's 512 KiB per second (counted in fixed one-second windows, and TCP may deliver
 * a paced stream in clumps), so a 48 kHz stereo float file is not cut off; 16 kHz mono still goes
 * six times faster than real time.
 */
const MAX_SEND_BYTES_PER_SECOND = 192 * 1024

/** The hub could not be found or reached: exit 4. */
export class NoHubError extends Error {}

interface Frame {
  type: string
  payload: Record<string, unknown>
}

export function findHub(
  values: { data?: string; url?: string },
  io: CommandIo,
): Promise<{ url: string; token: string }> {
  return (async () => {
    const dataDir = dataDirFor(values.data, io)
    let url = values.url
    if (url === undefined) {
      const running = await findRunningServer(dataDir)
      if (running === undefined)
        throw new NoHubError(
          `no running hub found in ${dataDir}; start one with \`localhub serve --data ${dataDir}\` or pass --url`,
        )
      url = running.url
    }
    let token = io.env[TOKEN_ENV_VARIABLE]
    if (token === undefined) {
      try {
        token = readFileSync(join(dataDir, AUTH_TOKEN_FILE), 'utf8').trim()
      } catch {
        throw new NoHubError(
          `cannot read the token in ${join(dataDir, AUTH_TOKEN_FILE)}; set ${TOKEN_ENV_VARIABLE}`,
        )
      }
    }
    return { url, token }
  })()
}

function connect(url: string, token: string): Promise<WebSocket> {
  const address = new URL('/ws/voice', url)
  address.protocol = address.protocol === 'https:' ? 'wss:' : 'ws:'
  const socket = new WebSocket(address, { headers: { authorization: `Bearer ${token}` } })
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve(socket))
    socket.once('unexpected-response', (_request, response) => {
      socket.terminate()
      reject(
        new NoHubError(`${address} answered ${response.statusCode} ${response.statusMessage ?? ''}`.trim()),
      )
    })
    socket.once('error', (error) => reject(new NoHubError(`cannot reach ${address}: ${error.message}`)))
  })
}

async function sendUtterance(socket: WebSocket, wave: Wave): Promise<void> {
  const frame = frameBytesOf(wave)
  const chunk = Math.floor(MAX_FRAME_BYTES / frame) * frame
  socket.send(
    JSON.stringify({
      type: 'voice.start',
      payload: { sampleRate: wave.sampleRate, format: wave.format, channels: wave.channels },
    }),
  )
  const started = performance.now()
  for (let offset = 0; offset < wave.data.length; offset += chunk) {
    if (socket.readyState !== WebSocket.OPEN) return
    socket.send(wave.data.subarray(offset, offset + chunk), { binary: true })
    // Stay under the hub's bytes-per-second limit: wait until this much is allowed.
    const due = started + ((offset + chunk) / MAX_SEND_BYTES_PER_SECOND) * 1000
    const wait = due - performance.now()
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
  }
  socket.send(JSON.stringify({ type: 'voice.end', payload: { totalMs: durationMsOf(wave) } }))
}

/** Collects the turn's frames until turn.end (or an entry error, a close, the timeout). */
function collectTurn(
  socket: WebSocket,
  timeoutMs: number,
  onFrame: (frame: Frame) => void,
): Promise<Frame[]> {
  const frames: Frame[] = []
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no turn.end within ${timeoutMs} ms`)), timeoutMs)
    let done = false
    socket.on('message', (data, isBinary) => {
      // What follows turn.end (the session's return to idle) belongs to no turn the CLI reports.
      if (isBinary || done) return
      const frame = JSON.parse(String(data)) as Frame
      frames.push(frame)
      onFrame(frame)
      // An entry error (it names `where`) ends the utterance without a run, so no turn.end follows.
      if (frame.type === 'turn.end' || (frame.type === 'error.raised' && frame.payload.where !== undefined)) {
        done = true
        clearTimeout(timer)
        resolve(frames)
      }
    })
    socket.once('close', (code) => {
      clearTimeout(timer)
      reject(new Error(`the hub closed the connection (${code}) before the turn ended`))
    })
  })
}

export async function voiceTurn(args: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      out: { type: 'string', short: 'o' },
      data: { type: 'string' },
      url: { type: 'string' },
      json: { type: 'boolean' },
      'timeout-ms': { type: 'string' },
    },
  })
  if (positionals.length !== 1) throw new UsageError('turn takes one WAV file')
  const timeoutMs =
    values['timeout-ms'] === undefined ? DEFAULT_TURN_TIMEOUT_MS : Number(values['timeout-ms'])
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0)
    throw new UsageError('--timeout-ms takes a positive integer')
  const wave = await readInputWave(positionals[0]!, io)
  const hub = await findHub(values, io)
  const socket = await connect(hub.url, hub.token)
  try {
    const json = values.json === true
    const turn = collectTurn(socket, timeoutMs, (frame) => {
      if (!json) return
      const payload = frame.type === 'tts.audio' ? { ...frame.payload, bytesB64: undefined } : frame.payload
      writeLine(io.stdout, JSON.stringify({ type: frame.type, payload }))
    })
    await sendUtterance(socket, wave)
    const frames = await turn
    const heard = frames.find((frame) => frame.type === 'stt.final')?.payload.text
    const answer = frames
      .filter((frame) => frame.type === 'llm.text')
      .map((frame) => String(frame.payload.text))
      .join(' ')
    if (!json) {
      if (heard !== undefined) writeLine(io.stdout, `heard: ${String(heard)}`)
      if (answer !== '') writeLine(io.stdout, `answer: ${answer}`)
    }
    const start = frames.find((frame) => frame.type === 'tts.start')
    const audio = frames
      .filter((frame) => frame.type === 'tts.audio')
      .map((frame) => Buffer.from(String(frame.payload.bytesB64), 'base64'))
    if (values.out !== undefined && start !== undefined && audio.length > 0) {
      const pcm = Buffer.concat(audio)
      const sampleRate = Number(start.payload.sampleRate)
      await writeOutputFile(values.out, encodeWave(pcm, sampleRate), io)
      writeLine(io.stderr, `wrote ${values.out} (${Math.round((pcm.length / 2 / sampleRate) * 1000)} ms)`)
    }
    const error = frames.find((frame) => frame.type === 'error.raised')
    if (error !== undefined) {
      writeLine(
        io.stderr,
        `${String(error.payload.code ?? 'E_UNKNOWN')}: ${String(error.payload.message ?? '')}`,
      )
      return EXIT_TURN_FAILED
    }
    if (values.out !== undefined && audio.length === 0) {
      writeLine(io.stderr, 'the turn ended without any answer audio')
      return EXIT_TURN_FAILED
    }
    return 0
  } finally {
    socket.close()
  }
}
