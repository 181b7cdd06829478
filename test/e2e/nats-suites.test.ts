// Issue 23: "the existing chat/tools/approvals end-to-end suite run a second time against a hub on
// NATS". Each suite file below runs unchanged in a child `node --test`, with LOCALHUB_BUS naming a
// fresh nats-server of its own (the hubs those suites open read the bus from the environment, as
// `localhub serve` does: decision 1600). The server's stream afterwards proves the run was on NATS.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { jetstreamManager } from '@nats-io/jetstream'
import { connect } from '@nats-io/transport-node'
import { runToEnd } from '../kit/child-process.ts'
import { startNatsServer } from '../kit/nats-server.ts'

const SUITES = [
  'test/e2e/chat-turn.test.ts',
  'test/e2e/tool-turn.test.ts',
  'test/e2e/destructive-tools.test.ts',
  'test/e2e/actions.test.ts',
]
const HUB_ID = 'suite'
const SUITE_TIMEOUT_MS = 240_000

/**
 * The suites run under the loader this file runs under (scripts/run-tests.ts gives
 * scripts/test-loader.mjs, decision 2057; tsx when started by hand with `--import tsx`).
 */
function loaderOfThisProcess(): string {
  const index = process.execArgv.indexOf('--import')
  if (index >= 0 && index + 1 < process.execArgv.length) return process.execArgv[index + 1]!
  const joined = process.execArgv.find((argument) => argument.startsWith('--import='))
  return joined?.slice('--import='.length) ?? 'tsx'
}

describe('the chat, tool and approval suites, again on NATS', {
  timeout: SUITE_TIMEOUT_MS * SUITES.length,
}, () => {
  for (const suite of SUITES) {
    test(`${suite} passes with the hub on NATS JetStream`, async (t) => {
      const server = await startNatsServer({ name: 'suite-on-nats' })
      t.after(() => server.dispose())
      const outcome = await runToEnd(
        process.execPath,
        ['--import', loaderOfThisProcess(), '--test', '--test-reporter=spec', '--test-timeout=180000', suite],
        {
          // NODE_TEST_CONTEXT would make the child report to this runner instead of running on its own.
          env: { LOCALHUB_BUS: server.url, LOCALHUB_HUB_ID: HUB_ID, NODE_TEST_CONTEXT: undefined },
          timeoutMs: SUITE_TIMEOUT_MS,
        },
      )
      assert.equal(
        outcome.code,
        0,
        `${suite} on NATS:\n${outcome.stdout.slice(-3000)}${outcome.stderr.slice(-2000)}`,
      )
      assert.match(outcome.stdout, /ℹ fail 0/)
      assert.match(outcome.stdout, /ℹ pass [1-9]/, 'the suite ran tests')
      assert.doesNotMatch(outcome.stdout, /ℹ skipped [1-9]/)
      const connection = await connect({ servers: server.url })
      t.after(() => connection.close())
      const info = await (await jetstreamManager(connection)).streams.info(`LH_${HUB_ID}`)
      assert.ok(info.state.messages > 0, `the suite's events are in LH_${HUB_ID} (${info.state.messages})`)
    })
  }
})
