import {
  commandLineFlag,
  type FrameStream,
  type HostNatsLink,
  natsFramesAuthOf,
  openHostNatsLink,
} from '../frames/index.ts'

/** Env naming the NATS server(s) a skill host attaches through (the hub reads the same name). */
export const SKILL_NATS_ENV = 'LOCALHUB_SKILL_NATS'
/** Env naming the skill's subject prefix (the manifest's transport.subject). */
export const SKILL_SUBJECT_ENV = 'LOCALHUB_SKILL_SUBJECT'
/** Exit code when the NATS mode is asked for but not fully configured (EX_CONFIG). */
const EXIT_CONFIG = 78

export interface NatsTarget {
  servers: string[]
  subject: string
}

/**
 * `--nats nats://HOST:PORT[,…] --subject S` (or LOCALHUB_SKILL_NATS and LOCALHUB_SKILL_SUBJECT):
 * the host attaches to a hub over NATS instead of stdio. Undefined when neither names a server.
 */
export function natsTargetOf(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): NatsTarget | undefined {
  const servers = commandLineFlag(argv, '--nats') ?? env[SKILL_NATS_ENV]
  if (servers === undefined || servers.trim() === '') return undefined
  const subject = commandLineFlag(argv, '--subject') ?? env[SKILL_SUBJECT_ENV] ?? ''
  return { servers: servers.split(',').map((part) => part.trim()), subject }
}

/**
 * The FrameStream of the NATS mode, or undefined for stdio. A bad subject or an unreachable server
 * is said on the log and ends the process (78: configuration, 1: no server).
 */
export function natsStreamOf(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  sessionId: string,
  log: (line: string) => void,
  exit: (code: number) => void,
): { stream: FrameStream; link: HostNatsLink } | undefined {
  const target = natsTargetOf(argv, env)
  if (target === undefined) return undefined
  let auth: ReturnType<typeof natsFramesAuthOf>
  try {
    auth = natsFramesAuthOf(argv, env)
  } catch (error) {
    log((error as Error).message)
    exit(EXIT_CONFIG)
    return undefined
  }
  try {
    const link = openHostNatsLink({ ...target, sessionId, auth, name: `localhub-skill-host-${sessionId}` })
    link.connected.then(
      () => log(`attached over NATS on ${target.subject}.{in,out}.${sessionId}`),
      (error: Error) => {
        log(`cannot reach NATS at ${target.servers.join(',')}: ${error.message}`)
        exit(1)
      },
    )
    return { stream: link.stream, link }
  } catch (error) {
    log(
      `NATS mode needs --subject (or ${SKILL_SUBJECT_ENV}) naming the manifest's transport.subject: ${(error as Error).message}`,
    )
    exit(EXIT_CONFIG)
    return undefined
  }
}
