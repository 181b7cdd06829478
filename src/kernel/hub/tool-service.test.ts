import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { Bus } from '../../bus/index.ts'
import { HubError } from '../../contracts/index.ts'
import { FS_TOOL_DESCRIPTORS } from '../../skills/tools-fs/index.ts'
import type { HubActions } from './actions.ts'
import { createToolService } from './tool-service.ts'

interface Observation {
  metric: string
  milliseconds: number
  labels: Record<string, string> | undefined
}

/** Tools and approvals that answer at once, except a decision, which waits for `decide()`. */
function fakeHub(clock: { ms: number }) {
  const published: string[] = []
  let decide: (status: string) => void = () => undefined
  const actions = {
    tools: {
      descriptors: () => [...FS_TOOL_DESCRIPTORS],
      openAiTools: () => [],
      run: async (_tool: string, params: Record<string, unknown>) => {
        clock.ms += 7
        if (params.path === 'missing') throw new HubError('E_VALIDATION', 'no such file')
        return { content: 'x' }
      },
      plan: async () => {
        clock.ms += 3
        return {
          tool: 'write_file',
          tier: 'write_local_confirm',
          files: [],
          diff: '',
          tree: null,
          fingerprint: 'f',
        }
      },
    },
    approvals: {
      request: async () => ({
        status: 'pending',
        approvalId: 'ap1',
        expiresAt: '2030-01-01T00:00:00Z',
        confirmationsRequired: 1,
      }),
      waitForDecision: () =>
        new Promise((resolve) => {
          decide = (status) => resolve({ status, execution: { state: 'none' } })
        }),
    },
  } as unknown as HubActions
  const bus = {
    publishUntyped: async (draft: { type: string }) => {
      published.push(draft.type)
      return { id: 'e' }
    },
  } as unknown as Bus
  return { actions, bus, published, decide: (status: string) => decide(status) }
}

describe('tool service: tool_ms', () => {
  test('observed once per call with its outcome, without the time a person takes to decide', async () => {
    const clock = { ms: 1000 }
    const observations: Observation[] = []
    const hub = fakeHub(clock)
    const service = createToolService(hub.bus, hub.actions, {
      metrics: {
        observe: (metric, milliseconds, labels) => observations.push({ metric, milliseconds, labels }),
      },
      now: () => clock.ms,
    })
    await service.request({ tool: 'read_file', params: { path: 'a' } })
    await assert.rejects(service.request({ tool: 'read_file', params: { path: 'missing' } }))
    await assert.rejects(service.request({ tool: 'no_such_tool', params: {} }))
    assert.equal((await service.request({ tool: 'write_file', params: { path: 'a' } })).status, 'pending')
    const waiting = service.request(
      { tool: 'write_file', params: { path: 'a' }, actor: 'skill.test' },
      { awaitDecision: new AbortController().signal },
    )
    await new Promise((resolve) => setImmediate(resolve))
    clock.ms += 60_000 // the person thinks for a minute
    hub.decide('denied')
    assert.equal((await waiting).status, 'refused')
    service.close()
    assert.deepEqual(
      observations.map(({ metric, milliseconds, labels }) => [
        metric,
        milliseconds,
        labels?.outcome,
        labels?.skill,
      ]),
      [
        ['tool_ms', 7, 'done', 'skill.action.opencode.fs_write'],
        ['tool_ms', 7, 'error', 'skill.action.opencode.fs_write'],
        ['tool_ms', 0, 'error', 'skill.action.opencode.fs_write'],
        ['tool_ms', 3, 'pending', 'skill.action.opencode.fs_write'],
        ['tool_ms', 3, 'refused', 'skill.test'],
      ],
    )
  })

  test('params with a lone surrogate are refused before anything is published', async () => {
    const hub = fakeHub({ ms: 0 })
    const service = createToolService(hub.bus, hub.actions)
    await assert.rejects(
      service.request({ tool: 'write_file', params: { path: 'a', content: 'x\ud800' } }),
      (error) =>
        error instanceof HubError &&
        error.code === 'E_VALIDATION' &&
        error.details?.issues?.[0]?.path === '/params/content',
    )
    assert.deepEqual(hub.published, [])
  })
})
