// Issue 11, "Tools and routes": file-tool requests with strings JSON allows but Unicode does not
// (lone surrogates answered 500 from inside the guardrails), and tool_ms, registered but never
// recorded. Against a real hub over HTTP.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { type HubWithWorkspace, openHubWithWorkspace } from './hub-with-workspace.ts'

/** The sample count of localhub_tool_ms for one outcome in a Prometheus text exposition. */
function toolCalls(exposition: string, outcome: string): number {
  const line = exposition
    .split('\n')
    .find((row) => row.startsWith('localhub_tool_ms_count{') && row.includes(`outcome="${outcome}"`))
  return line === undefined ? 0 : Number(line.split(' ').at(-1))
}

describe('hostile file-tool requests', { timeout: 60_000 }, () => {
  let fixture: HubWithWorkspace

  before(async () => {
    fixture = await openHubWithWorkspace('localhub-hostile-tools-')
  })
  after(() => fixture?.close())

  test('lone surrogates in tool paths and write_file content answer 422 with the pointer', async () => {
    for (const [tool, body, pointer] of [
      ['read_file', '{"params":{"path":"docs/\\ud800.md"}}', '/params/path'],
      ['list_dir', '{"params":{"path":"\\udfff"}}', '/params/path'],
      ['write_file', '{"params":{"path":"docs/plan.md","content":"x\\ud800y"}}', '/params/content'],
      ['move_path', '{"params":{"from":"docs/plan.md","to":"docs/\\udbff"}}', '/params/to'],
      ['read_file', '{"params":{"path":"docs/plan.md"},"traceId":"\\ud800"}', '/traceId'],
    ] as const) {
      const answer = await fixture.call('POST', `/tools/${tool}`, body)
      assert.equal(answer.status, 422, `${tool} ${body}: ${JSON.stringify(answer.body)}`)
      assert.equal(answer.body.error.code, 'E_VALIDATION')
      assert.equal(answer.body.error.details.issues[0].path, pointer)
    }
    const approvals = await fixture.call('GET', '/approvals?status=all')
    assert.deepEqual(approvals.body.data.approvals, [], 'no approval was asked for')
    assert.equal(readFileSync(join(fixture.workspace, 'docs', 'plan.md'), 'utf8'), 'first line\n')
    const health = await fixture.call('GET', '/health')
    assert.equal(health.status, 200, 'the hub is still up')
  })

  test('tool_ms is observed for every tool call, whatever its outcome', async () => {
    const before = await fixture.call('GET', '/metrics')
    const doneBefore = toolCalls(before.body, 'done')
    for (let call = 0; call < 3; call++) {
      const read = await fixture.call('POST', '/tools/read_file', { params: { path: 'docs/plan.md' } })
      assert.equal(read.body.data.status, 'done', JSON.stringify(read.body))
    }
    const write = await fixture.call('POST', '/tools/write_file', {
      params: { path: 'docs/new.md', content: 'new\n' },
    })
    assert.equal(write.body.data.status, 'pending')
    const missing = await fixture.call('POST', '/tools/read_file', { params: { path: 'docs/none.md' } })
    assert.equal(missing.body.ok, false)
    const metrics = await fixture.call('GET', '/metrics')
    assert.equal(
      toolCalls(metrics.body, 'done') - doneBefore,
      3,
      `read_file calls counted in localhub_tool_ms (the hub must pass its metrics to createToolService):\n${metrics.body
        .split('\n')
        .filter((row: string) => row.startsWith('localhub_tool_ms_count'))
        .join('\n')}`,
    )
    assert.ok(toolCalls(metrics.body, 'pending') >= 1, 'a write waiting for consent is a call too')
    assert.ok(toolCalls(metrics.body, 'error') >= 1, 'a failed call is counted')
  })
})
