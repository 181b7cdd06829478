import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
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
  /** `nats up --role root --hubs <hubs>` with random ports; the root's state and leafnode port. */
  upRoot(hubs: string[]): Promise<{ root: NatsState; leafPort: number }>
  /** `nats down` in each data dir. */
  downAll(names: string[]): Promise<void>
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
  const stateOf = (dir: string, name: string): NatsState =>
    JSON.parse(readFileSync(join(data(dir), 'nats', `${name}.state.json`), 'utf8')) as NatsState
  return {
    data,
    localhub,
    stateOf,
    async upRoot(hubs) {
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
      ])
      const root = stateOf('root', 'root')
      const leafPort = Number(
        /port: (\d+)/.exec(readFileSync(root.configFile, 'utf8').split('leafnodes {')[1]!)![1],
      )
      return { root, leafPort }
    },
    async downAll(names) {
      for (const name of names)
        await runCommand(main, ['nats', 'down', '--data', data(name)], { cwd: folder, dataDir: folder })
    },
  }
}
