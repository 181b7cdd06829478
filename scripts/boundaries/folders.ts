// Which folder (bounded context) a file belongs to, and which files the check reads.
import { existsSync, readdirSync, statSync } from 'node:fs'
import { extname, join, relative, sep } from 'node:path'

/** Top-level folders read by the check; only src/ holds bounded contexts, the rest import them. */
export const SCANNED_FOLDERS = ['src', 'test', 'bench', 'scripts', 'web', 'bin', 'examples'] as const

/** Folders under src/ whose subfolders are contexts of their own (files directly inside form one too). */
export const NESTED_CONTEXT_PARENTS: ReadonlySet<string> = new Set(['skills', 'transports', 'kernel'])

/**
 * Exports that code loads by name through a computed path, which no import shows: the skill host
 * opens src/skills/<name>/index.ts and takes `skillModule` (or the default export).
 */
const LOADED_BY_NAME: ReadonlyArray<{ parent: string; names: ReadonlySet<string> }> = [
  { parent: 'src/skills/', names: new Set(['skillModule', 'default']) },
  // The API for skill authors: their modules live outside this repository (docs/adding-a-skill.md).
  { parent: 'src/skill-api', names: new Set(['ToolDefinition', 'SkillStatus', 'StepMetric']) },
  // localhub/skill (package.json "exports"): stdio skills live outside this repository (docs/writing-a-stdio-skill.md).
  {
    parent: 'src/skill-sdk',
    names: new Set([
      'manifestEntriesOf',
      'manifestProblems',
      'ConsentRevokeAnswer',
      'EventHandlers',
      'PermissionAnswer',
      'PermissionAsk',
      'Primitive',
      'PublishOptions',
      'SkillCallContext',
      'StdioSkillDefinition',
      'ToolDefinitionInput',
      'RunningSkill',
      'RunOptions',
      'DEFAULT_PERMISSION_TIMEOUT_MS',
      'EXIT_INVALID_MANIFEST',
    ]),
  },
  // localhub/agent (package.json "exports"): member agents live outside this repository (docs/federation.md).
  {
    parent: 'src/federation-agent',
    names: new Set([
      'AgentDefinition',
      'AgentOptions',
      'StepContext',
      'DEFAULT_AGENT_HEARTBEAT_MS',
      'DEFAULT_AGENT_TTL_MS',
      'RunningAgent',
      'SEALED_GRANT_ALG',
    ]),
  },
  // localhub/client (package.json "exports"): its users' code lives outside this repository (docs/clients.md).
  {
    parent: 'src/client',
    names: new Set([
      'AnyStoredEnvelope',
      'StoredPayloadOf',
      'HubErrorBody',
      'HubClientConfig',
      'HubClientOptions',
      'WebSocketFactory',
      'WebSocketLike',
      'DEFAULT_REPLAY_PAGE_SIZE',
      'DEFAULT_REQUEST_TIMEOUT_MS',
      'DEFAULT_TAIL_MAX_RETRIES',
      'DEFAULT_TAIL_RETRY_DELAY_MS',
      'Approval',
      'ApproveAnswer',
      'ChatOptions',
      'ChatStreamPart',
      'PublishReceipt',
      'ReplayQuery',
      'LiveTail',
      'TailQuery',
    ]),
  },
]

export function isLoadedByName(context: string, name: string): boolean {
  return LOADED_BY_NAME.some((entry) => context.startsWith(entry.parent) && entry.names.has(name))
}

const SKIPPED_DIRECTORIES = new Set(['node_modules', 'dist', 'generated'])
const SOURCE_EXTENSIONS = ['.ts', '.tsx']
/** Read as importers too: bin/localhub.js imports the CLI. */
const READ_EXTENSIONS = [...SOURCE_EXTENSIONS, '.js', '.mjs']

/** Path relative to root with forward slashes, the form every report uses. */
export function relativePath(root: string, file: string): string {
  return relative(root, file).split(sep).join('/')
}

/**
 * The context of a file as `src/<folder>` or `src/<parent>/<folder>`; undefined outside src/.
 * src/kernel/server/routes/a.ts belongs to src/kernel/server; src/kernel/index.ts to src/kernel.
 */
export function contextOf(root: string, file: string): string | undefined {
  const parts = relativePath(root, file).split('/')
  if (parts[0] !== 'src' || parts.length < 3) return undefined
  const top = parts[1]!
  if (NESTED_CONTEXT_PARENTS.has(top) && parts.length >= 4) return `src/${top}/${parts[2]}`
  return `src/${top}`
}

export function* sourceFiles(directory: string): Generator<string> {
  let names: string[]
  try {
    names = readdirSync(directory).sort()
  } catch {
    return
  }
  for (const name of names) {
    if (name.startsWith('.') || SKIPPED_DIRECTORIES.has(name)) continue
    const full = join(directory, name)
    if (statSync(full).isDirectory()) yield* sourceFiles(full)
    else if (READ_EXTENSIONS.includes(extname(name)) && !name.endsWith('.d.ts')) yield full
  }
}

/** The file a relative specifier names: an exact file, a .js spelling of a .ts file, or a folder's index. */
export function resolveModule(target: string): string {
  if (existsSync(target) && statSync(target).isFile()) return target
  if (target.endsWith('.js')) {
    const typescript = `${target.slice(0, -3)}.ts`
    if (existsSync(typescript)) return typescript
  }
  for (const extension of SOURCE_EXTENSIONS) {
    if (existsSync(`${target}${extension}`)) return `${target}${extension}`
  }
  for (const extension of SOURCE_EXTENSIONS) {
    const index = join(target, `index${extension}`)
    if (existsSync(index)) return index
  }
  return target
}

/** The public entry of a context: its index.ts (or index.tsx). */
export function indexFileOf(root: string, context: string): string | undefined {
  for (const extension of SOURCE_EXTENSIONS) {
    const index = join(root, context, `index${extension}`)
    if (existsSync(index)) return index
  }
  return undefined
}
