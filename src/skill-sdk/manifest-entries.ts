import { createFrameValidator, type FrameValidator, manifestHash } from '../frames/index.ts'
import type { StdioSkillDefinition } from './sdk-types.ts'

const TOOL_ID = /^[a-z][a-z0-9_]*$/

export interface ManifestProblem {
  path: string
  expected: string
  got: string
  message: string
}

/**
 * One AdapterManifestEntry per tool, sorted by tool_id (UTF-16 code unit order) as the Python host
 * sends them and as seed 002 hashes them (decision 1830).
 */
export function manifestEntriesOf(definition: StdioSkillDefinition): Record<string, unknown>[] {
  const ordered = Object.entries(definition.tools).sort(([left], [right]) =>
    left < right ? -1 : left > right ? 1 : 0,
  )
  return ordered.map(([toolId, tool]) => ({
    tool_id: toolId,
    name: tool.name ?? toolId,
    primitive: tool.primitive ?? 'check',
    source_mode: 'internal',
    llm_description: tool.description,
    input_schema_json: tool.input ?? { type: 'object' },
  }))
}

/**
 * What is wrong with a skill's own manifest before it says anything to the hub (the host then
 * exits 78): no tools, a tool id that is not snake_case, an entry the seed schema refuses.
 */
export function manifestProblems(
  definition: StdioSkillDefinition,
  validator: FrameValidator = createFrameValidator(),
): ManifestProblem[] {
  const problems: ManifestProblem[] = []
  const entries = manifestEntriesOf(definition)
  if (entries.length === 0) {
    problems.push({
      path: '/tools',
      expected: 'at least one tool',
      got: 'none',
      message: 'a skill serves tools',
    })
  }
  entries.forEach((entry, index) => {
    if (!TOOL_ID.test(String(entry.tool_id))) {
      problems.push({
        path: `/entries/${index}/tool_id`,
        expected: 'snake_case ^[a-z][a-z0-9_]*$',
        got: JSON.stringify(entry.tool_id),
        message: 'a tool id must be snake_case',
      })
    }
  })
  if (entries.length > 0) {
    const check = validator.check({
      kind: 'adapter_manifest_sync',
      version: '1.0',
      session_id: 'check',
      correlation_id: 'check',
      ts: new Date(0).toISOString(),
      role: 'tool',
      frame_seq: 1,
      entries,
      manifest_hash: manifestHash(entries),
      emitter_pid: 1,
    })
    if (!check.ok) {
      problems.push({
        path: check.issue.path,
        expected: check.issue.expected,
        got: check.issue.got,
        message: check.issue.message,
      })
    }
  }
  return problems
}
