// Programs outside Node the manifest relies on: speech tools for the voice skills, and NATS when
// the bus or a skill runs over it.
import { connect } from 'node:net'
import type { HubManifest } from '../../manifest/index.ts'
import { findExecutable } from '../../skill-api/index.ts'
import type { DoctorCheck } from './doctor-types.ts'
import { enabledSkillsOf } from './skills-of.ts'

type Environment = Readonly<Record<string, string | undefined>>

/**
 * The speech modules and the program each runs unless its config names another (`binary`), with
 * the Debian packages that have it (src/skills/stt/pocketsphinx.ts, src/skills/tts/flite.ts).
 */
export const SPEECH_TOOLS: Readonly<Record<string, { program: string; aptPackages: string; what: string }>> =
  {
    stt: {
      program: 'pocketsphinx_continuous',
      aptPackages: 'pocketsphinx pocketsphinx-en-us',
      what: 'speech recognition',
    },
    tts: { program: 'flite', aptPackages: 'flite', what: 'speech synthesis' },
  }

export const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222'

/** One check per enabled stt/tts skill: its program (config.binary, else the default) on PATH. */
export function checkSpeechTools(manifest: HubManifest, env: Environment): DoctorCheck[] {
  const checks: DoctorCheck[] = []
  for (const [module, tool] of Object.entries(SPEECH_TOOLS)) {
    for (const skill of enabledSkillsOf(manifest, module)) {
      const configured = skill.config?.binary
      const program = typeof configured === 'string' && configured !== '' ? configured : tool.program
      const found = findExecutable(program, env)
      checks.push(
        found === undefined
          ? {
              id: `speech.${module}`,
              status: 'fail',
              summary: `${skill.id} (${tool.what}) needs \`${program}\`, which is not on PATH`,
              fix:
                program === tool.program
                  ? `install it: \`sudo apt-get install ${tool.aptPackages}\` (or \`sudo bash scripts/setup-system.sh\`)`
                  : `install ${program}, or correct config.binary of ${skill.id}`,
            }
          : { id: `speech.${module}`, status: 'ok', summary: `${skill.id}: ${found}` },
      )
    }
  }
  return checks
}

function stringOf(value: unknown): string | undefined {
  if (typeof value === 'string' && value !== '') return value
  if (Array.isArray(value) && typeof value[0] === 'string') return value[0]
  return undefined
}

/**
 * The NATS server the hub needs, if any: LOCALHUB_BUS naming nats (it wins over the manifest, as
 * for `localhub serve`), a `bus:` section naming nats (its servers), or an enabled skill on a nats
 * transport. NATS_URL, then the local default, when none names a URL.
 */
export function natsUrlOf(manifest: HubManifest, env: Environment): string | undefined {
  const chosen = env.LOCALHUB_BUS?.trim()
  if (chosen !== undefined && /^(nats|tls):\/\//.test(chosen)) return chosen.split(',')[0]
  const bus = (manifest as { bus?: unknown }).bus
  const section = bus !== null && typeof bus === 'object' ? (bus as Record<string, unknown>) : undefined
  const envChoosesOther = chosen !== undefined && chosen !== '' && chosen !== 'nats'
  const busUsesNats =
    chosen === 'nats' ||
    (!envChoosesOther && section !== undefined && (section.transport === 'nats' || section.type === 'nats'))
  const skillUsesNats = manifest.skills.some(
    (skill) => skill.enabled !== false && skill.transport?.type === 'nats',
  )
  if (!busUsesNats && !skillUsesNats) return undefined
  const nats =
    section?.nats !== null && typeof section?.nats === 'object'
      ? (section.nats as Record<string, unknown>)
      : {}
  return (
    stringOf(section?.url) ??
    stringOf(section?.servers) ??
    stringOf(nats.url) ??
    stringOf(nats.servers) ??
    // The hub's own bus does not read NATS_URL (decision 1600); skills on NATS do.
    (busUsesNats ? undefined : stringOf(env.NATS_URL)) ??
    DEFAULT_NATS_URL
  )
}

function reach(host: string, port: number, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host, port })
    const done = (failure: string | undefined) => {
      socket.destroy()
      resolve(failure)
    }
    socket.setTimeout(timeoutMs, () => done('no answer'))
    socket.once('connect', () => done(undefined))
    socket.once('error', (error: NodeJS.ErrnoException) => done(error.code ?? error.message))
  })
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]'])

/** nats-server installed (when the server is this machine's) and the server answering on TCP. */
export async function checkNats(url: string, env: Environment, timeoutMs: number): Promise<DoctorCheck[]> {
  let parsed: URL
  try {
    parsed = new URL(url.includes('://') ? url : `nats://${url}`)
  } catch {
    return [
      {
        id: 'nats',
        status: 'fail',
        summary: `NATS URL ${url} is not a URL`,
        fix: 'write it as nats://host:4222',
      },
    ]
  }
  const host = parsed.hostname.replace(/^\[|\]$/g, '')
  const port = parsed.port === '' ? 4222 : Number(parsed.port)
  const local = LOOPBACK.has(parsed.hostname)
  const checks: DoctorCheck[] = []
  const binary = findExecutable('nats-server', env)
  if (local) {
    checks.push(
      binary === undefined
        ? {
            id: 'nats-server',
            status: 'fail',
            summary: 'nats-server is not installed, and the manifest uses a NATS server on this machine',
            fix: 'install it: `sudo apt-get install nats-server` (or `sudo bash scripts/setup-system.sh`)',
          }
        : { id: 'nats-server', status: 'ok', summary: `nats-server: ${binary}` },
    )
  }
  const failure = await reach(host, port, timeoutMs)
  checks.push(
    failure === undefined
      ? { id: 'nats', status: 'ok', summary: `NATS at ${host}:${port} answers` }
      : {
          id: 'nats',
          status: 'fail',
          summary: `NATS at ${host}:${port} is not reachable (${failure})`,
          fix: local
            ? 'start it: `nats-server -js` (a configuration: `localhub nats config`), or set NATS_URL'
            : `check that the server at ${host}:${port} runs and this machine may reach it`,
        },
  )
  return checks
}
