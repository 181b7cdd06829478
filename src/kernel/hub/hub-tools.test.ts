import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { McpTools } from '../../mcp-client/index.ts'
import type { ToolRegistry } from '../../skills/tools-fs/index.ts'
import { combineHubTools, type HubToolDescriptor } from './hub-tools.ts'

function descriptor(name: string, description: string): HubToolDescriptor {
  return { name, tier: 'read_only', description, parameters: { type: 'object', properties: {} } }
}

test('each turn offers the same definition objects while the descriptors stay as they were (decision 2064)', () => {
  const files = [descriptor('read_file', 'reads a file'), descriptor('list_dir', 'lists a folder')]
  const mcp = [descriptor('web__fetch', 'fetches a page')]
  const tools = combineHubTools(
    { descriptors: () => [...files] } as unknown as ToolRegistry,
    { descriptors: () => [...mcp] } as unknown as McpTools,
  )
  const first = tools.openAiTools()
  assert.deepEqual(
    first.map((tool) => [tool.type, tool.function.name, tool.function.description, tool.function.parameters]),
    [...files, ...mcp].map((item) => ['function', item.name, item.description, item.parameters]),
  )
  const second = tools.openAiTools()
  assert.notEqual(second, first, 'a new list each time: a caller may keep or change its own')
  for (const [index, tool] of second.entries()) assert.equal(tool, first[index])
  // A descriptor changed in place, or a new one, gets a new definition.
  files[0]!.description = 'reads a text file'
  files[1]!.parameters = { type: 'object', properties: { path: { type: 'string' } } }
  mcp.push(descriptor('web__search', 'searches'))
  const third = tools.openAiTools()
  assert.equal(third[0]!.function.description, 'reads a text file')
  assert.notEqual(third[0], first[0])
  assert.equal(third[1]!.function.parameters, files[1]!.parameters)
  assert.equal(third[2], first[2])
  assert.deepEqual(
    third.map((tool) => tool.function.name),
    ['read_file', 'list_dir', 'web__fetch', 'web__search'],
  )
})
