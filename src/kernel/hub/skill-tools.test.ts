import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { OfferedSkillTools } from '../../skill-api/index.ts'
import { createSkillTools, DEFAULT_SKILL_TOOL_MAX_ANSWER_BYTES } from './skill-tools.ts'

function source(
  skillId: string,
  tier: OfferedSkillTools['tier'],
  state: { running: boolean; calls: unknown[] } = { running: true, calls: [] },
): OfferedSkillTools & { state: typeof state } {
  return {
    skillId,
    tier,
    state,
    tools: () =>
      state.running
        ? [
            {
              toolId: 'echo',
              description: 'Echoes.',
              inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
            },
            { toolId: 'big', description: 'Big.', inputSchema: {} },
            { toolId: 'broken', description: 'Broken schema.', inputSchema: { type: 'no-such-type' } },
          ]
        : [],
    async call(toolId, args) {
      state.calls.push({ toolId, args })
      return toolId === 'big' ? 'x'.repeat(DEFAULT_SKILL_TOOL_MAX_ANSWER_BYTES) : { text: args.text }
    },
  }
}

describe('skill tools offered to the model', () => {
  test('names are <last id part>__<tool>; read_only runs at once and refuses a plan', async () => {
    const tools = createSkillTools()
    const withdraw = tools.offer(source('skill.home.notes', 'read_only'))
    assert.deepEqual(
      tools.descriptors().map((descriptor) => `${descriptor.name}:${descriptor.tier}:${descriptor.source}`),
      [
        'notes__echo:read_only:skill.home.notes',
        'notes__big:read_only:skill.home.notes',
        'notes__broken:read_only:skill.home.notes',
      ],
    )
    assert.deepEqual(await tools.run('notes__echo', { text: 'hi' }), { text: 'hi' })
    await assert.rejects(tools.plan('notes__echo', { text: 'hi' }), { code: 'E_BAD_REQUEST' })
    await assert.rejects(tools.run('notes__big', {}), { code: 'E_RESOURCE_LIMIT' })
    withdraw()
    assert.equal(tools.owns('notes__echo'), false)
    assert.equal(tools.offering, false)
  })

  test('arguments are checked against the host’s schema before the host sees them; a broken schema refuses the call', async () => {
    const tools = createSkillTools()
    const offered = source('skill.notes', 'read_only')
    tools.offer(offered)
    await assert.rejects(
      tools.run('notes__echo', { text: 42 }),
      (error: { code: string; details: { issues: { path: string; got: string }[] } }) => {
        assert.equal(error.code, 'E_VALIDATION')
        assert.equal(error.details.issues[0]!.path, '/text')
        assert.equal(error.details.issues[0]!.got, '42')
        return true
      },
    )
    await assert.rejects(tools.run('notes__echo', {}), { code: 'E_VALIDATION' })
    await assert.rejects(tools.run('notes__broken', {}), {
      code: 'E_VALIDATION',
      message: /does not compile/,
    })
    assert.equal(offered.state.calls.length, 0, 'nothing reached the host')
  })

  test('a write tier is planned with a pseudo-path and a fingerprint; an altered plan is refused', async () => {
    const tools = createSkillTools()
    const offered = source('skill.writer', 'write_local_confirm')
    tools.offer(offered)
    await assert.rejects(tools.run('writer__echo', { text: 'a' }), { code: 'E_BAD_REQUEST' })
    const plan = await tools.plan('writer__echo', { text: 'a' })
    assert.equal(plan.target, '/skills/skill.writer/echo')
    assert.equal(offered.state.calls.length, 0, 'nothing runs while planning')
    await assert.rejects(tools.execute({ ...plan, args: { text: 'b' } }), { code: 'E_VALIDATION' })
    assert.deepEqual(await tools.execute(plan), { tool: 'writer__echo', result: { text: 'a' } })
  })

  test('a taken prefix (an MCP server’s or another skill’s) is refused; a host that is down says so', () => {
    const tools = createSkillTools()
    tools.reservePrefixes(['notes'])
    assert.throws(() => tools.offer(source('skill.mcp.notes', 'read_only')), { code: 'E_VALIDATION' })
    const state = { running: false, calls: [] }
    tools.offer(source('skill.a.echo', 'read_only', state))
    assert.throws(() => tools.offer(source('skill.b.echo', 'read_only')), { code: 'E_VALIDATION' })
    assert.deepEqual(tools.descriptors(), [])
    assert.equal(tools.refusal('echo__echo')?.code, 'E_DEPENDENCY_UNAVAILABLE')
    state.running = true
    assert.equal(tools.refusal('echo__nope')?.code, 'E_BAD_REQUEST')
    assert.equal(tools.refusal('unknown__echo'), undefined)
  })

  test('config.tools: a tool of its own tier is planned or run by it; an off tool is not offered and refused', async () => {
    const tools = createSkillTools()
    const tiers: Record<string, 'read_only' | 'off'> = { echo: 'read_only', big: 'off' }
    const offered = source('skill.notes', 'write_local_confirm')
    tools.offer({ ...offered, tierOf: (toolId) => tiers[toolId] ?? offered.tier })
    assert.deepEqual(
      tools.descriptors().map((descriptor) => `${descriptor.name}:${descriptor.tier}`),
      ['notes__echo:read_only', 'notes__broken:write_local_confirm'],
    )
    assert.deepEqual(await tools.run('notes__echo', { text: 'hi' }), { text: 'hi' })
    const plan = await tools.plan('notes__broken', {}).catch((error: { code: string }) => error)
    // The broken schema refuses the arguments, but only after the tier let it be planned.
    assert.equal((plan as { code?: string }).code, 'E_VALIDATION')
    const refusal = tools.refusal('notes__big')
    assert.equal(refusal?.code, 'E_PERMISSION_REQUIRED')
    assert.equal((refusal?.details as { reason?: string } | undefined)?.reason, 'not-offered')
    await assert.rejects(tools.run('notes__big', {}), { code: 'E_PERMISSION_REQUIRED' })
    await assert.rejects(tools.plan('notes__big', {}), { code: 'E_PERMISSION_REQUIRED' })
    assert.deepEqual(offered.state.calls, [{ toolId: 'echo', args: { text: 'hi' } }])
  })
})
