import { HubError } from '../../contracts/index.ts'
import { commitFileChanges } from './commit-file-changes.ts'
import { executeDelete, executeMove } from './execute-tree.ts'
import { type FsToolsOptions, resolveFsToolsSettings } from './fs-tools-options.ts'
import { resolveWorkspacePath } from './path-guard.ts'
import { planApplyPatch, planWriteFile } from './plan-file-changes.ts'
import { planDeletePath, planMovePath } from './plan-remove-move.ts'
import type { PreparedPlan, RemoveFileOperation, TreeOperation, WriteOperation } from './plan-types.ts'
import { listDirTool, readFileTool } from './read-tools.ts'
import { type SearchArgs, searchInFiles } from './search-files.ts'
import { createToolRegistry, type ToolRegistry } from './tool-registry.ts'
import { FS_TOOL_DESCRIPTORS, type ToolDescriptor } from './tool-schemas.ts'

function descriptor(name: string): ToolDescriptor {
  return FS_TOOL_DESCRIPTORS.find((candidate) => candidate.name === name)!
}

function applyFileChanges(prepared: PreparedPlan): void {
  commitFileChanges(prepared.operations as (WriteOperation | RemoveFileOperation)[])
}

/**
 * The workspace file tools behind one registry: read tools run directly; mutating tools are split
 * into a pure `plan` (preview + fingerprint) and an `execute` that re-checks the fingerprint.
 */
export function createFsTools(options: FsToolsOptions): ToolRegistry {
  const settings = resolveFsToolsSettings(options)
  const registry = createToolRegistry({
    network: settings.network,
    audit: settings.audit,
    actorSkill: settings.actorSkill,
    now: () => settings.clock.now(),
    ...(settings.offeredTools === undefined ? {} : { offered: settings.offeredTools }),
  })
  registry.register({
    kind: 'read',
    descriptor: descriptor('read_file'),
    run: (args) => readFileTool(settings, args as { path: string }),
  })
  registry.register({
    kind: 'read',
    descriptor: descriptor('list_dir'),
    run: (args) => listDirTool(settings, args),
  })
  registry.register({
    kind: 'read',
    descriptor: descriptor('search_in_files'),
    run: (args) =>
      searchInFiles(
        settings,
        resolveWorkspacePath(settings.roots, args.path ?? '.'),
        args as unknown as SearchArgs,
      ),
  })
  registry.register({
    kind: 'mutating',
    descriptor: descriptor('write_file'),
    plan: (args) => planWriteFile(settings, args as { path: string; content: string }),
    apply: applyFileChanges,
  })
  registry.register({
    kind: 'mutating',
    descriptor: descriptor('apply_patch'),
    plan: (args) => planApplyPatch(settings, args as { patch: string }),
    apply: applyFileChanges,
  })
  registry.register({
    kind: 'mutating',
    descriptor: descriptor('delete_path'),
    plan: (args) => planDeletePath(settings, args as { path: string }),
    apply: (prepared) => executeDelete(prepared.operations[0] as TreeOperation),
  })
  registry.register({
    kind: 'mutating',
    descriptor: descriptor('move_path'),
    plan: (args) => planMovePath(settings, args as { from: string; to: string }),
    apply: (prepared) => executeMove(prepared.operations[0] as TreeOperation),
  })
  for (const name of settings.offeredTools ?? []) {
    if (!FS_TOOL_DESCRIPTORS.some((candidate) => candidate.name === name))
      throw new HubError('E_BAD_REQUEST', `offeredTools names ${name}, which is no file tool`)
  }
  return registry
}
