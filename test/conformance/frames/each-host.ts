import { existsSync } from 'node:fs'
import { afterEach, describe } from 'node:test'
import { REPO_ROOT } from '../../kit/child-process.ts'
import { FrameDriver, type HostCommand } from './frame-driver.ts'
import { HOST_COMMANDS } from './host-commands.ts'

export interface HostUnderTest {
  host: HostCommand
  /** Starts the host (stopped after the test) with extra env. */
  start(env?: Record<string, string>): FrameDriver
  /** Starts the host's invalid-manifest variant. */
  startInvalid(): FrameDriver
}

/**
 * Runs `body` once per host command, in a describe named after it. A host whose file is missing is
 * skipped with the reason, so a half-built tree says what it did not test instead of passing.
 */
export function describeEachHost(title: string, body: (subject: HostUnderTest) => void): void {
  for (const host of HOST_COMMANDS) {
    const missing = existsSync(`${REPO_ROOT}${host.requires}`)
      ? undefined
      : `${host.requires} does not exist yet`
    describe(`${title} [${host.name} host]`, { skip: missing }, () => {
      const started: FrameDriver[] = []
      afterEach(async () => {
        await Promise.all(started.splice(0).map((driver) => driver.stop()))
      })
      body({
        host,
        start(env = {}) {
          const driver = new FrameDriver(host.command, host.args, { ...host.env, ...env })
          started.push(driver)
          return driver
        },
        startInvalid() {
          const variant = host.invalidManifest
          const driver = new FrameDriver(variant.command, variant.args, { ...host.env })
          started.push(driver)
          return driver
        },
      })
    })
  }
}
