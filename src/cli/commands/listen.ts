// `localhub listen`: a hub on a desk hears its own microphone. arecord (alsa-utils) captures 16 kHz
// mono pcm16 and the command streams it without pause to the running hub's /ws/voice/listen,
// where the wake word and Talk mode start turns (docs/voice.md, "Hands-free").
import { type ChildProcess, spawn } from 'node:child_process'
import WebSocket from 'ws'
import { parseArgs } from '../args.ts'
import { type CommandGroup, type CommandIo, guardCommand, UsageError, writeLine } from '../io.ts'
import { DATA_DIR_HELP } from './data-dir.ts'
import { findHub, NoHubError } from './voice-turn.ts'

export const DEFAULT_ARECORD_BINARY = 'arecord'
export const ALSA_INSTALL_HINT = 'apt-get install -y alsa-utils (or: sudo bash scripts/setup-system.sh)'
/** Below the hub's 16 KiB WebSocket message limit. */
const MAX_FRAME_BYTES = 8 * 1024
const SAMPLE_RATE_HZ = 16_000

export const LISTEN_USAGE = `usage: localhub listen [--device NAME] [options]

Captures this machine's microphone with arecord (alsa-utils) and streams it to the running hub,
which listens for the wake word, or converses in Talk mode (\`localhub voice mode\`). Prints each
wake, what was heard and the answer; Ctrl-C stops.

  --device NAME    ALSA capture device (arecord -D; list them with \`arecord -l\`)
  --play           play the spoken answers with aplay
  --max-turns N    stop after N turns
  --source NAME    how the hub names this source (default: listen)
  --arecord PATH   the capture program (default: arecord)
  --data DIR       data directory of the running hub (${DATA_DIR_HELP})
  --url URL        the hub's URL instead of the one recorded in the data directory
  --json           print every event as a JSON line (audio left out)

Exit codes: 0 stopped, 1 no capture device or arecord missing, 2 usage, 4 no hub reachable.`

interface Frame {
  type: string
  payload: Record<string, unknown>
}

class CaptureError extends Error {
  readonly code = 'E_DEPENDENCY_UNAVAILABLE'
}

function connect(url: string, token: string, source: string): Promise<WebSocket> {
  const address = new URL(`/ws/voice/listen?source=${encodeURIComponent(source)}`, url)
  address.protocol = address.protocol === 'https:' ? 'wss:' : 'ws:'
  const socket = new WebSocket(address, { headers: { authorization: `Bearer ${token}` } })
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve(socket))
    socket.once('unexpected-response', (_request, response) => {
      socket.terminate()
      const reason =
        response.statusCode === 404
          ? `${address} does not exist: enable skill.voice.wake in the hub's manifest`
          : `${address} answered ${response.statusCode}`
      reject(new NoHubError(reason))
    })
    socket.once('error', (error) => reject(new NoHubError(`cannot reach ${address}: ${error.message}`)))
  })
}

/** Starts arecord; rejects with a clear reason when it is missing or finds no capture device. */
function startCapture(
  binary: string,
  device: string | undefined,
): Promise<{ child: ChildProcess; first: Buffer }> {
  const args = ['-q', '-t', 'raw', '-f', 'S16_LE', '-r', String(SAMPLE_RATE_HZ), '-c', '1']
  if (device !== undefined) args.push('-D', device)
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000)
  })
  return new Promise((resolve, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new CaptureError(
          error.code === 'ENOENT' ? `${binary} is not installed: ${ALSA_INSTALL_HINT}` : error.message,
        ),
      ),
    )
    child.once('exit', (code) => {
      const said = stderr
        .split('\n')
        .filter((line) => line.startsWith('arecord') || line.includes('error'))
        .at(-1)
      reject(
        new CaptureError(
          `no audio capture device${device === undefined ? '' : ` ${device}`}: ${binary} exited with ${code}` +
            `${said === undefined ? '' : ` (${said.trim()})`}; list devices with \`arecord -l\` and pick one with --device`,
        ),
      )
    })
    // Audio flowing means the device opened; the stream waits (paused) for the caller's listener.
    child.stdout?.once('data', (first: Buffer) => {
      child.stdout?.pause()
      child.removeAllListeners('exit')
      resolve({ child, first })
    })
  })
}

async function listen(args: string[], io: CommandIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      device: { type: 'string' },
      play: { type: 'boolean' },
      'max-turns': { type: 'string' },
      source: { type: 'string' },
      arecord: { type: 'string' },
      data: { type: 'string' },
      url: { type: 'string' },
      json: { type: 'boolean' },
    },
  })
  const maxTurns = values['max-turns'] === undefined ? undefined : Number(values['max-turns'])
  if (maxTurns !== undefined && (!Number.isInteger(maxTurns) || maxTurns <= 0))
    throw new UsageError('--max-turns takes a positive integer')
  const hub = await findHub(values, io)
  const socket = await connect(hub.url, hub.token, values.source ?? 'listen')
  let capture: ChildProcess
  let first: Buffer
  try {
    ;({ child: capture, first } = await startCapture(values.arecord ?? DEFAULT_ARECORD_BINARY, values.device))
  } catch (error) {
    socket.close()
    writeLine(io.stderr, `localhub listen: ${(error as Error).message}`)
    return 1
  }
  const stopCapture = () => {
    if (capture.exitCode === null && capture.signalCode === null) capture.kill('SIGTERM')
  }
  socket.send(
    JSON.stringify({
      type: 'voice.start',
      payload: { sampleRate: SAMPLE_RATE_HZ, format: 'pcm16', channels: 1 },
    }),
  )
  const forward = (chunk: Buffer) => {
    for (let offset = 0; offset < chunk.length; offset += MAX_FRAME_BYTES)
      if (socket.readyState === WebSocket.OPEN)
        socket.send(chunk.subarray(offset, offset + MAX_FRAME_BYTES), { binary: true })
  }
  forward(first)
  capture.stdout?.on('data', forward)
  capture.stdout?.resume()
  let player: ChildProcess | undefined
  let turns = 0
  return new Promise<number>((resolve) => {
    const finish = (code: number) => {
      process.off('SIGINT', interrupt)
      stopCapture()
      player?.stdin?.end()
      socket.close()
      resolve(code)
    }
    const interrupt = () => finish(0)
    process.once('SIGINT', interrupt)
    capture.once('exit', (code) => {
      writeLine(io.stderr, `localhub listen: the capture stopped (${code ?? 'signal'})`)
      finish(code === 0 ? 0 : 1)
    })
    socket.once('close', () => finish(0))
    socket.on('message', (data, isBinary) => {
      if (isBinary) return
      const frame = JSON.parse(String(data)) as Frame
      if (values.json === true) {
        const payload = frame.type === 'tts.audio' ? { ...frame.payload, bytesB64: undefined } : frame.payload
        writeLine(io.stdout, JSON.stringify({ type: frame.type, payload }))
      } else if (frame.type === 'voice.wake.detected')
        writeLine(io.stdout, `wake: ${frame.payload.phrase} (${frame.payload.score})`)
      else if (frame.type === 'stt.final') writeLine(io.stdout, `heard: ${frame.payload.text}`)
      else if (frame.type === 'llm.text') writeLine(io.stdout, `answer: ${frame.payload.text}`)
      else if (frame.type === 'error.raised')
        writeLine(io.stderr, `${frame.payload.code}: ${frame.payload.message}`)
      if (values.play === true) player = play(frame, player)
      if (frame.type === 'turn.end' && maxTurns !== undefined && ++turns >= maxTurns) finish(0)
    })
  })
}

/** Plays the answer through aplay: one player per answer, fed its tts.audio chunks. */
function play(frame: Frame, player: ChildProcess | undefined): ChildProcess | undefined {
  if (frame.type === 'tts.start') {
    player?.stdin?.end()
    const rate = String(frame.payload.sampleRate ?? SAMPLE_RATE_HZ)
    const next = spawn('aplay', ['-q', '-t', 'raw', '-f', 'S16_LE', '-r', rate, '-c', '1'], {
      stdio: ['pipe', 'ignore', 'ignore'],
    })
    next.on('error', () => undefined)
    next.stdin?.on('error', () => undefined)
    return next
  }
  if (frame.type === 'tts.audio' && typeof frame.payload.bytesB64 === 'string')
    player?.stdin?.write(Buffer.from(frame.payload.bytesB64, 'base64'))
  if (frame.type === 'tts.end') player?.stdin?.end()
  return player
}

/** No hub reachable exits 4 (as `localhub voice` does); other errors go through guardCommand. */
const guarded = guardCommand('listen', LISTEN_USAGE, async (args, io) => {
  try {
    return await listen(args, io)
  } catch (error) {
    if (!(error instanceof NoHubError)) throw error
    writeLine(io.stderr, `localhub listen: ${error.message}`)
    return 4
  }
})

export const run: CommandGroup = async (args, io) => {
  if (args.includes('--help') || args.includes('-h')) {
    writeLine(io.stdout, LISTEN_USAGE)
    return 0
  }
  return guarded(args, io)
}
