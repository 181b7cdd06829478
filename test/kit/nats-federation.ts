import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { connect as connectTcp } from 'node:net'
import { join } from 'node:path'
import { jetstreamManager } from '@nats-io/jetstream'
import { connect, type NodeConnectionOptions } from '@nats-io/transport-node'
import { main } from '../../src/cli/index.ts'
import { runCommand } from './cli-io.ts'
import { requireNatsServer } from './nats-server.ts'

// `localhub nats up/down` driven in-process for federation suites: a root and hubs each in a data
// dir of its own under one temp folder, sharing one secret, on real nats-servers at random ports.

/** What `localhub nats up` writes to <data>/nats/<name>.state.json. */
export interface NatsState {
  url: string
  monitorUrl: string
  configFile: string
  logFile: string
}

export interface NatsFederation {
  /** The data dir of a root or hub named `name`. */
  data(name: string): string
  /** Runs `localhub <args>`; a non-zero exit fails the test with the output. */
  localhub(args: string[]): Promise<string>
  /** The state `nats up` wrote in `dir` for the server `name` (root, hub-<id>). */
  stateOf(dir: string, name: string): NatsState
  /** `nats up --role root --hubs <hubs>` with random ports (and `extra` options); the root's state and leafnode port. */
  upRoot(hubs: string[], extra?: string[]): Promise<{ root: NatsState; leafPort: number }>
  /** The arguments of `nats up --role hub` for hub `id` linking to `leafUrl` (random ports unless given). */
  hubUpArgs(id: string, leafUrl: string, options?: HubUpOptions): string[]
  /** Runs `nats up --role hub` (hubUpArgs); what it printed and the state it wrote. */
  upHub(id: string, leafUrl: string, options?: HubUpOptions): Promise<{ printed: string; state: NatsState }>
  /** `nats down` in each data dir. */
  downAll(names: string[]): Promise<void>
}

export interface HubUpOptions {
  /** Client and monitor port options; NATS_RANDOM_PORTS when left out. */
  ports?: readonly string[]
  /** More options (`--leaf-plain`, `--auth nkeys`, …). */
  extra?: readonly string[]
}

/** Random client and monitor ports for `nats up`. */
export const NATS_RANDOM_PORTS: readonly string[] = ['--port', '0', '--monitor-port', '0']

export function natsFederation(folder: string, secret: string): NatsFederation {
  const data = (name: string) => join(folder, name)
  const localhub = async (args: string[]): Promise<string> => {
    const outcome = await runCommand(main, args, {
      cwd: folder,
      dataDir: data('unused'),
      env: { LOCALHUB_NATS_SECRET: secret, LOCALHUB_NATS_SERVER: requireNatsServer() },
    })
    assert.equal(outcome.code, 0, `${args.join(' ')}: ${outcome.stdout}${outcome.stderr}`)
    return outcome.stdout
  }
  const hubUpArgs = (id: string, leafUrl: string, options: HubUpOptions = {}): string[] => [
    'nats',
    'up',
    '--role',
    'hub',
    '--hub-id',
    id,
    ...(options.ports ?? NATS_RANDOM_PORTS),
    '--root-leaf-url',
    leafUrl,
    '--data',
    data(id),
    ...(options.extra ?? []),
  ]
  const stateOf = (dir: string, name: string): NatsState =>
    JSON.parse(readFileSync(join(data(dir), 'nats', `${name}.state.json`), 'utf8')) as NatsState
  return {
    data,
    localhub,
    stateOf,
    async upRoot(hubs, extra = []) {
      await localhub([
        'nats',
        'up',
        '--role',
        'root',
        '--hubs',
        hubs.join(','),
        ...NATS_RANDOM_PORTS,
        '--leaf-port',
        '0',
        '--data',
        data('root'),
        ...extra,
      ])
      const root = stateOf('root', 'root')
      const leafPort = Number(
        /port: (\d+)/.exec(readFileSync(root.configFile, 'utf8').split('leafnodes {')[1]!)![1],
      )
      return { root, leafPort }
    },
    hubUpArgs,
    async upHub(id, leafUrl, options) {
      const printed = await localhub(hubUpArgs(id, leafUrl, options))
      return { printed, state: stateOf(id, `hub-${id}`) }
    },
    async downAll(names) {
      for (const name of names)
        await runCommand(main, ['nats', 'down', '--data', data(name)], { cwd: folder, dataDir: folder })
    },
  }
}

/** How many leafnodes the server of `state` has linked now (its monitor's /leafz). */
export async function leafnodeCount(state: NatsState): Promise<number> {
  const response = await fetch(`${state.monitorUrl}/leafz`)
  return ((await response.json()) as { leafnodes: number }).leafnodes
}

/** The owner's password in a configuration `nats up` wrote (password auth). */
export function ownerPasswordOf(configFile: string): string {
  const found = /user: "owner", password: "([^"]+)"/.exec(readFileSync(configFile, 'utf8'))?.[1]
  assert.ok(found, `the owner's password in ${configFile}`)
  return found
}

/** The event ids a JetStream stream holds, oldest first, read over a connection made with `server`. */
export async function streamEventIds(server: NodeConnectionOptions, stream: string): Promise<string[]> {
  const connection = await connect(server)
  try {
    const manager = await jetstreamManager(connection)
    const info = await manager.streams.info(stream)
    const ids: string[] = []
    for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
      const message = await manager.streams.getMessage(stream, { seq }).catch(() => null)
      if (message !== null) ids.push((message.json() as { id: string }).id)
    }
    return ids
  } finally {
    await connection.close()
  }
}

/**
 * What a client that does not speak TLS gets from a port: it answers the server's INFO with
 * `connectLine` and a PING in plain text. `received` is all it got, `answer` what came after INFO.
 */
export async function plainTextAttempt(
  port: number,
  connectLine: string,
): Promise<{ info: { tls_required?: boolean }; received: string; answer: string }> {
  const socket = connectTcp(port, '127.0.0.1')
  let received = ''
  socket.setEncoding('utf8')
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
  socket.on('data', (chunk: string) => {
    received += chunk
    if (received.includes('\r\n') && !socket.writableEnded) socket.end(`${connectLine}\r\nPING\r\n`)
  })
  socket.on('error', () => undefined)
  await closed
  const info = JSON.parse(/^INFO (\{.*\}) ?\r\n/.exec(received)![1]!) as { tls_required?: boolean }
  return { info, received, answer: received.slice(received.indexOf('\r\n') + 2) }
}
