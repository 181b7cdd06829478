import { HubError } from '../contracts/index.ts'
import type { NatsFramesAuth } from './nats-frame-stream.ts'

// Credentials and TLS of the NATS connections that carry skill frames (decision 1852), read the
// same way by the hub (environment) and by a skill host (environment and command line).

export const SKILL_NATS_CA_ENV = 'LOCALHUB_SKILL_NATS_CA'
export const SKILL_NATS_USER_ENV = 'LOCALHUB_SKILL_NATS_USER'
export const SKILL_NATS_PASSWORD_ENV = 'LOCALHUB_SKILL_NATS_PASSWORD'
export const SKILL_NATS_TOKEN_ENV = 'LOCALHUB_SKILL_NATS_TOKEN'

/** A secret on the command line is readable by every user of the machine (ps, /proc/<pid>/cmdline). */
const SECRET_FLAGS: Readonly<Record<string, string>> = {
  '--nats-password': SKILL_NATS_PASSWORD_ENV,
  '--nats-token': SKILL_NATS_TOKEN_ENV,
}

/** The value of `--name VALUE` or `--name=VALUE` in argv (the last word of argv has none). */
export function commandLineFlag(argv: readonly string[], name: string): string | undefined {
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index]!
    if (argument === name) return argv[index + 1]
    if (argument.startsWith(`${name}=`)) return argument.slice(name.length + 1)
  }
  return undefined
}

const nonEmpty = (value: string | undefined) => (value === undefined || value === '' ? undefined : value)

/**
 * `--nats-ca FILE` / `--nats-user NAME` (or LOCALHUB_SKILL_NATS_CA / _USER), the password and token
 * from LOCALHUB_SKILL_NATS_PASSWORD / _TOKEN only. A password or token on the command line is
 * refused (E_VALIDATION naming the variable to use instead).
 */
export function natsFramesAuthOf(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): NatsFramesAuth {
  for (const [name, variable] of Object.entries(SECRET_FLAGS)) {
    if (argv.some((argument) => argument === name || argument.startsWith(`${name}=`)))
      throw new HubError(
        'E_VALIDATION',
        `${name} is not taken on the command line, where every user of the machine can read it; set ${variable} instead`,
        {
          details: {
            issues: [{ path: `/argv/${name}`, expected: variable, got: name, message: 'a secret in argv' }],
          },
        },
      )
  }
  const user = nonEmpty(commandLineFlag(argv, '--nats-user') ?? env[SKILL_NATS_USER_ENV])
  const password = nonEmpty(env[SKILL_NATS_PASSWORD_ENV])
  const token = nonEmpty(env[SKILL_NATS_TOKEN_ENV])
  const caFile = nonEmpty(commandLineFlag(argv, '--nats-ca') ?? env[SKILL_NATS_CA_ENV])
  return {
    ...(user === undefined ? {} : { user }),
    ...(password === undefined ? {} : { password }),
    ...(token === undefined ? {} : { token }),
    ...(caFile === undefined ? {} : { caFile }),
  }
}
