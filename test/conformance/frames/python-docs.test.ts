// docs/python-skills.md's example skill, run exactly as the page shows it, through the raw frame
// driver: what the page promises about it (tools, payloads, permission, publish, events) holds.
import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { REPO_ROOT, runToEnd } from '../../kit/child-process.ts'
import { makeTempDir } from '../../kit/temp-dir.ts'
import { FrameDriver } from './frame-driver.ts'

const page = readFileSync(join(REPO_ROOT, 'docs/python-skills.md'), 'utf8')

function codeBlock(language: string): string {
  const match = new RegExp(`\`\`\`${language}\\n([\\s\\S]*?)\`\`\``).exec(page)
  assert.ok(match !== null, `docs/python-skills.md has a ${language} block`)
  return match[1]!
}

test('docs/python-skills.md: the example skill runs as written', async () => {
  const temp = makeTempDir()
  const file = join(temp.path, 'my_skill.py')
  writeFileSync(file, codeBlock('python'))
  const driver = new FrameDriver('python3', [file], {
    LOCALHUB_PYTHON_PATH: join(REPO_ROOT, 'python'),
    LOCALHUB_SKILL_ID: FrameDriver.skillId,
  })
  after(async () => {
    await driver.stop()
    temp.remove()
  })
  const manifest = await driver.handshake({ subscriptions: ['chat.*'] })
  const entries = manifest.entries as { tool_id: string; primitive: string; llm_description: string }[]
  assert.deepEqual(
    entries.map((entry) => [entry.tool_id, entry.primitive]),
    [
      ['remind', 'send'],
      ['report', 'document'],
      ['shout', 'check'],
    ],
  )
  assert.equal(
    entries.find((entry) => entry.tool_id === 'shout')!.llm_description,
    'Returns the text in capitals.',
  )

  assert.deepEqual((await driver.call('shout', { text: 'hi' })).envelope.result, { text: 'HI' })
  const invalid = await driver.call('shout', { text: 3 })
  assert.deepEqual(
    (({ code, path }) => ({ code, path }))(invalid.envelope.error as { code: string; path: string }),
    { code: 'E_VALIDATION', path: '/text' },
  )
  const report = await driver.call('report', {})
  assert.equal((JSON.parse(report.payloadText!) as { lines: string[] }).lines.length, 1000)

  for (const [decision, expected] of [
    ['allow_once', 'ok'],
    ['denied', 'E_PERMISSION_REQUIRED'],
  ] as const) {
    const from = driver.frames.length
    const outcome = driver.call('remind', { text: 'water the plants' })
    const request = await driver.waitFor((frame) => frame.kind === 'permission_request', { from })
    driver.send(
      'permission_response',
      { request_id: request.request_id, decision },
      { correlationId: request.correlation_id },
    )
    const { envelope } = await outcome
    if (expected === 'ok') {
      const push = driver.frames.slice(from).find((frame) => frame.kind === 'notification_push')!
      assert.deepEqual(JSON.parse(String(push.payload)).type, 'nudge.proposal')
      assert.equal((envelope.result as { event_guid: string }).event_guid, push.event_guid)
    } else {
      assert.equal((envelope.error as { code: string }).code, expected)
    }
  }

  driver.send('notification_push', {
    subscription_id: 'chat.*',
    adapter_id: FrameDriver.skillId,
    event_guid: 'evt-docs-1',
    payload_content_type: 'application/json',
    payload: JSON.stringify({ id: 'evt-docs-1', type: 'chat.message', payload: {} }),
  })
  await driver.call('shout', { text: 'sync' })
  const deadline = Date.now() + 3_000
  while (!driver.stderr.includes('chat.message evt-docs-1') && Date.now() < deadline)
    await new Promise((done) => setTimeout(done, 20))
  assert.match(driver.stderr, /chat\.message evt-docs-1/, 'print() went to stderr, not into the frames')
  assert.deepEqual(driver.violations, [])
})

test('docs/python-skills.md: the manifest snippet passes `localhub manifest validate`', async () => {
  const temp = makeTempDir()
  after(() => temp.remove())
  const file = join(temp.path, 'hub.yaml')
  writeFileSync(
    file,
    `manifestVersion: "0.2"\nsystem: { id: docs-hub, name: "docs", mode: local-first }\n${codeBlock('yaml')}pipelines:\n  - id: pipeline.chat.text\n    steps:\n      - { call: "skill.shout", mode: "shout" }\n      - { emit: "turn.end" }\n`,
  )
  const run = await runToEnd(process.execPath, ['bin/localhub.js', 'manifest', 'validate', file])
  assert.equal(run.code, 0, run.stdout + run.stderr)
})
