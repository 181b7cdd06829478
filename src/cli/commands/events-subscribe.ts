import { spawn } from 'node:child_process'
import type { Bus, SubscribeOptions, Subscription } from '../../bus/index.ts'
import { type Envelope, HubError } from '../../contracts/index.ts'
import { parseArgs } from '../args.ts'
import { printedHelp } from '../help.ts'
import { type CommandGroup, type CommandIo, writeLine } from '../io.ts'
import {
  dataDirOf,
  openLocalBus,
  parseCount,
  parsePosition,
  reportFailure,
  untilStopped,
} from './events-bus-access.ts'

const USAGE = [
  'usage: localhub events subscribe PATTERN --durable NAME [--exec CMD] [--from first|new|SEQ|TIME]',
  '                                 [--max-deliver N] [--ack-wait MS] [--count N] [--data DIR]',
  '',
  '  A durable subscription on the data directory: its position survives restarts. Without',
  '  --exec each event is printed as NDJSON and acknowledged. With --exec, CMD runs (sh -c) once',
  '  per event, one at a time, with the envelope as JSON on stdin; exit 0 acknowledges, anything',
  '  else is redelivered with backoff and, after --max-deliver attempts, goes to the DLQ.',
  '  Stops after --count acknowledged events, or on Ctrl-C.',
].join('\n')

/** Runs CMD with the envelope on stdin; resolves on exit 0, rejects with the exit status otherwise. */
function runCommand(command: string, event: Envelope, io: CommandIo): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command], {
      cwd: io.cwd,
      env: {
        ...io.env,
        LOCALHUB_EVENT_TYPE: event.type,
        LOCALHUB_EVENT_ID: event.id,
        LOCALHUB_EVENT_SEQ: String(event.seq ?? ''),
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    child.stdout.on('data', (chunk) => io.stdout.write(chunk))
    child.stderr.on('data', (chunk) => io.stderr.write(chunk))
    child.stdin.on('error', () => {})
    child.on('error', (error) => reject(new HubError('E_IO', `cannot run ${command}: ${error.message}`)))
    child.on('close', (code, signal) => {
      if (code === 0) resolve()
      else reject(new HubError('E_UNKNOWN', `command exited with ${signal ?? code}`))
    })
    child.stdin.end(`${JSON.stringify(event)}\n`)
  })
}

function positive(value: string | undefined, flag: string): number | undefined {
  return parseCount(value, flag)
}

export const run: CommandGroup = async (args, io) => {
  let bus: Bus | undefined
  try {
    const { values, positionals } = parseArgs({
      args,
      options: {
        durable: { type: 'string' },
        exec: { type: 'string' },
        from: { type: 'string' },
        'max-deliver': { type: 'string' },
        'ack-wait': { type: 'string' },
        count: { type: 'string' },
        data: { type: 'string' },
        help: { type: 'boolean' },
      },
      allowPositionals: true,
    })
    if (printedHelp(values, io, USAGE)) return 0
    if (positionals.length !== 1) throw new Error('give one PATTERN')
    if (values.durable === undefined) throw new Error('--durable NAME is required')
    const limit = parseCount(values.count, '--count')
    const options: SubscribeOptions = { durable: values.durable, maxAckPending: 1 }
    if (values.from !== undefined) {
      options.from =
        values.from === 'first' || values.from === 'new' ? values.from : parsePosition(values.from, '--from')
    }
    const maxDeliver = positive(values['max-deliver'], '--max-deliver')
    if (maxDeliver !== undefined) options.maxDeliver = maxDeliver
    const ackWait = positive(values['ack-wait'], '--ack-wait')
    if (ackWait !== undefined) options.ackWaitMs = ackWait
    bus = await openLocalBus(dataDirOf(values.data, io), io)
    const waiting = untilStopped()
    let acked = 0
    const command = values.exec
    let subscription: Subscription | undefined
    subscription = await bus.subscribe(
      positionals[0]!,
      async (event) => {
        if (command === undefined) writeLine(io.stdout, JSON.stringify(event))
        else await runCommand(command, event, io)
        if (limit !== undefined && ++acked >= limit) {
          // Leave before this ack settles, so no further event is handed to us (and counted as an attempt).
          void subscription?.unsubscribe()
          waiting.stop()
        }
      },
      options,
    )
    await waiting.done
    return 0
  } catch (error) {
    return reportFailure(io, 'subscribe', error, USAGE)
  } finally {
    await bus?.close()
  }
}
