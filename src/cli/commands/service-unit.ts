// The systemd user unit of `localhub service install` (decision 1542): what it runs, with which
// data directory and environment, restarted when it fails.
import { isAbsolute, join } from 'node:path'

export const SERVICE_NAME = 'localhub'
export const DEFAULT_RESTART_DELAY_SEC = 2
/** Variables the hub reads (model server, bus, address) carried into the unit when set at install. */
export const CARRIED_ENV_VARIABLES = [
  'PATH',
  'OLLAMA_HOST',
  'OPENAI_BASE_URL',
  'NATS_URL',
  // The hub's bus (decision 1600): a hub installed on NATS keeps running on it.
  'LOCALHUB_BUS',
  'LOCALHUB_HUB_ID',
  'LOCALHUB_HOST',
  'LOCALHUB_PORT',
  'OTEL_TRACES_EXPORTER',
  'OTEL_EXPORTER_OTLP_ENDPOINT',
] as const
/** Secrets (API keys) go here, readable by the owner only, never into the unit itself. */
export const SERVICE_ENV_FILE = 'service.env'

/**
 * Node flags of a long-running hub, the same as bin/localhub.js's shebang line: a young generation
 * of at most 4 MiB per semi-space keeps an idle hub ~20 MB smaller (decision 1712); `gc` lets a
 * finished chat turn empty it, so the next turn's first token meets no scavenge (decision 2090).
 */
export const HUB_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=4', '--expose-gc']

type Environment = Readonly<Record<string, string | undefined>>

export interface ServiceUnitInput {
  nodePath: string
  binPath: string
  dataDir: string
  manifestPath?: string
  port?: number
  host?: string
  env: Environment
}

/** `%` starts a systemd specifier everywhere in a unit. */
export function specifierSafe(value: string): string {
  return value.replace(/%/g, '%%')
}

/** A quoted word of ExecStart= or Environment=: `\` and `"` escaped. */
export function quote(value: string): string {
  return `"${specifierSafe(value.replace(/\\/g, '\\\\').replace(/"/g, '\\"'))}"`
}

export function commandArgument(value: string): string {
  return quote(value).replace(/\$/g, '$$$$')
}

export function unitFilePath(env: Environment, home: string): string {
  const config =
    env.XDG_CONFIG_HOME !== undefined && isAbsolute(env.XDG_CONFIG_HOME)
      ? env.XDG_CONFIG_HOME
      : join(home, '.config')
  return join(config, 'systemd', 'user', `${SERVICE_NAME}.service`)
}

export function serviceUnit(input: ServiceUnitInput): string {
  const command = [
    input.nodePath,
    ...HUB_NODE_FLAGS,
    input.binPath,
    'serve',
    '--data',
    input.dataDir,
    ...(input.manifestPath === undefined ? [] : ['--manifest', input.manifestPath]),
    ...(input.host === undefined ? [] : ['--host', input.host]),
    ...(input.port === undefined ? [] : ['--port', String(input.port)]),
  ]
  const environment = [
    `LOCALHUB_DATA=${input.dataDir}`,
    ...CARRIED_ENV_VARIABLES.flatMap((name) => {
      const value = input.env[name]
      return value === undefined || value === '' ? [] : [`${name}=${value}`]
    }),
  ]
  return [
    '# Written by `localhub service install`; `localhub service uninstall` removes it.',
    `# Logs: journalctl --user -u ${SERVICE_NAME} -f`,
    '[Unit]',
    'Description=Local Hub, a local-first personal assistant runtime',
    'After=network.target',
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=${command.map(commandArgument).join(' ')}`,
    `WorkingDirectory=${specifierSafe(input.dataDir)}`,
    ...environment.map((entry) => `Environment=${quote(entry)}`),
    // Optional (the leading -): OPENAI_API_KEY and other secrets, mode 0600 in the data dir.
    `EnvironmentFile=-${specifierSafe(join(input.dataDir, SERVICE_ENV_FILE))}`,
    'Restart=on-failure',
    `RestartSec=${DEFAULT_RESTART_DELAY_SEC}`,
    // SIGTERM lets the hub finish open turns and flush the event log (serve handles it).
    'KillSignal=SIGTERM',
    'TimeoutStopSec=30',
    'UMask=0077',
    '',
    '[Install]',
    'WantedBy=default.target',
    '',
  ].join('\n')
}
