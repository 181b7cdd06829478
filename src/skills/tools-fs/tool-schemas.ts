import type { CapabilityTier } from '../../ledger/index.ts'
import { NAME_MAX_BYTES, PATH_MAX_BYTES } from './fs-tools-options.ts'
import { MAX_PATTERN_CHARS } from './linear-regex.ts'

/** An LLM-facing tool definition: name, tier, JSON Schema of the arguments, what it does. */
export interface ToolDescriptor {
  name: string
  tier: CapabilityTier
  description: string
  parameters: Record<string, unknown>
}

const path = {
  type: 'string',
  minLength: 1,
  maxLength: PATH_MAX_BYTES,
  description: 'Path relative to the workspace root (or absolute inside it).',
}

function object(properties: Record<string, unknown>, required: string[]): Record<string, unknown> {
  return { type: 'object', additionalProperties: false, required, properties }
}

export const FS_TOOL_DESCRIPTORS: readonly ToolDescriptor[] = Object.freeze([
  {
    name: 'read_file',
    tier: 'read_only',
    description:
      'Read a text file in the workspace (bounded; reports truncation and the sha256 of what was read).',
    parameters: object(
      {
        path,
        offset: { type: 'integer', minimum: 0, description: 'Byte offset to start at.' },
        maxBytes: { type: 'integer', minimum: 1 },
      },
      ['path'],
    ),
  },
  {
    name: 'list_dir',
    tier: 'read_only',
    description: 'List a directory in the workspace: names, types and sizes, sorted, bounded.',
    parameters: object({ path, maxEntries: { type: 'integer', minimum: 1 } }, []),
  },
  {
    name: 'search_in_files',
    tier: 'read_only',
    description:
      'Search file contents under a path (default: the workspace root), honouring .gitignore and skipping binaries. Literal by default; regex: true for a linear-time regular expression (no backreferences or lookaround). Results are bounded and flagged when truncated.',
    parameters: object(
      {
        query: { type: 'string', minLength: 1, maxLength: MAX_PATTERN_CHARS },
        path,
        regex: { type: 'boolean' },
        caseSensitive: { type: 'boolean' },
        maxMatches: { type: 'integer', minimum: 1 },
      },
      ['query'],
    ),
  },
  {
    name: 'write_file',
    tier: 'write_local_confirm',
    description:
      'Create or replace a file with the given UTF-8 content (needs confirmation; atomic; keeps the mode bits).',
    parameters: object({ path, content: { type: 'string' } }, ['path', 'content']),
  },
  {
    name: 'apply_patch',
    tier: 'write_local_confirm',
    description:
      'Apply a unified diff (several files, /dev/null for created or deleted files). Every hunk must match exactly or nothing changes (needs confirmation).',
    parameters: object({ patch: { type: 'string', minLength: 1 } }, ['patch']),
  },
  {
    name: 'delete_path',
    tier: 'destructive_two_step',
    description:
      'Delete a file or (with recursive: true) a directory tree (destructive: preview, then explicit approval).',
    parameters: object({ path, recursive: { type: 'boolean' } }, ['path']),
  },
  {
    name: 'move_path',
    tier: 'destructive_two_step',
    description:
      'Move or rename a file or directory; never overwrites (destructive: preview, then explicit approval).',
    parameters: object({ from: path, to: path }, ['from', 'to']),
  },
] satisfies ToolDescriptor[])

export const MAX_NAME_BYTES = NAME_MAX_BYTES
