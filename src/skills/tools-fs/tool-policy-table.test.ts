// The manifest keeps its own table of the file tools (it depends on no skill); this keeps it true.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { BUILTIN_TOOLS } from '../../manifest/index.ts'
import { FS_TOOL_DESCRIPTORS } from './index.ts'

test("the manifest's BUILTIN_TOOLS match the file tools: names, order, tiers and parameters", () => {
  assert.deepEqual(
    Object.keys(BUILTIN_TOOLS),
    FS_TOOL_DESCRIPTORS.map((tool) => tool.name),
  )
  for (const tool of FS_TOOL_DESCRIPTORS) {
    const entry = BUILTIN_TOOLS[tool.name]!
    assert.equal(entry.tier, tool.tier, tool.name)
    assert.equal(entry.writes, tool.tier !== 'read_only', tool.name)
    const properties = Object.keys((tool.parameters as { properties: Record<string, unknown> }).properties)
    // Seed 000 calls apply_patch's argument `diff`; the manifest accepts that spelling too.
    assert.deepEqual(
      entry.params.filter((param) => !(tool.name === 'apply_patch' && param === 'diff')),
      properties,
      tool.name,
    )
  }
})
