import { builtinModuleOf } from './builtin-modules.ts'
import { asObject, draftAt, type Lookup, rawSkills } from './check-kit.ts'
import type { IssueDraft } from './manifest-issue.ts'
import { suggest } from './manifest-labels.ts'
import { storagePathProblem } from './storage-path.ts'

// storage and config of the built-in skills (docs/decisions/1402): every value either reaches
// the store or is refused here. Remote skills keep their own storage; the kernel cannot see it,
// so for them storage is documentation (decision 1400).

/** RAG limits the store enforces too (src/skills/rag/rag-options.ts). */
export const RAG_MIN_CHUNK_SIZE_CHARS = 20
export const RAG_MAX_TOP_K = 100
export const RAG_ENGINE = 'fts5'

function shapeOf(skill: Lookup) {
  return {
    id: typeof skill.id === 'string' ? skill.id : '',
    role: typeof skill.role === 'string' ? skill.role : '',
    transport: asObject(skill.transport) as { type: 'inproc'; module?: string } | undefined,
  }
}

function storageDrafts(root: unknown, path: string, module: string, storage: Lookup): IssueDraft[] {
  const drafts: IssueDraft[] = []
  if (module !== 'memory' && module !== 'rag') {
    return [
      draftAt(
        root,
        `${path}/storage`,
        `the built-in ${module} skill keeps no data of its own, so storage would not act`,
        'remove storage',
        'no storage',
      ),
    ]
  }
  if (typeof storage.type === 'string' && storage.type !== 'sqlite') {
    drafts.push(
      draftAt(
        root,
        `${path}/storage/type`,
        `the built-in ${module} skill stores its data in SQLite only`,
        'write type: sqlite, or run a remote skill for another store',
        'sqlite',
      ),
    )
  }
  const engine = storage.engine
  if (typeof engine === 'string' && (module === 'memory' || engine !== RAG_ENGINE)) {
    drafts.push(
      draftAt(
        root,
        `${path}/storage/engine`,
        module === 'rag'
          ? `the built-in rag skill searches with SQLite ${RAG_ENGINE} (BM25) only`
          : 'the built-in memory skill has no choice of engine',
        module === 'rag' ? `write engine: ${RAG_ENGINE}, or remove engine` : 'remove engine',
        module === 'rag' ? RAG_ENGINE : 'no engine',
      ),
    )
  }
  if (typeof storage.path === 'string') {
    const found = storagePathProblem(storage.path)
    if (found !== undefined)
      drafts.push(
        draftAt(root, `${path}/storage/path`, found.problem, found.fix, 'a path inside the data directory'),
      )
  }
  return drafts
}

function integerDraft(
  root: unknown,
  path: string,
  value: unknown,
  minimum: number,
  maximum: number,
): IssueDraft[] {
  if (value === undefined) return []
  if (typeof value === 'number' && Number.isInteger(value) && value >= minimum && value <= maximum) return []
  return [
    draftAt(
      root,
      path,
      `must be an integer from ${minimum} to ${maximum}`,
      `write a whole number between ${minimum} and ${maximum}`,
      `an integer ${minimum}..${maximum}`,
    ),
  ]
}

function unknownKeyDrafts(
  root: unknown,
  path: string,
  value: Lookup,
  known: readonly string[],
  owner: string,
): IssueDraft[] {
  return Object.keys(value)
    .filter((key) => !known.includes(key) && !key.startsWith('x-'))
    .map((key) => {
      const guess = suggest(key, known)
      return {
        ...draftAt(
          root,
          `${path}/${key}`,
          `${owner} does not read ${key}, so it would not act`,
          guess === undefined
            ? known.length === 0
              ? `remove ${key}`
              : `remove ${key}; known keys: ${known.join(', ')}`
            : `did you mean ${guess}?`,
          known.length === 0 ? 'no keys' : `one of ${known.join(', ')}`,
        ),
        atKey: true,
      }
    })
}

function ragConfigDrafts(root: unknown, path: string, config: Lookup): IssueDraft[] {
  const drafts = [
    ...unknownKeyDrafts(root, `${path}/config`, config, ['topK', 'chunking'], 'the built-in rag skill'),
    ...integerDraft(root, `${path}/config/topK`, config.topK, 1, RAG_MAX_TOP_K),
  ]
  const chunking = asObject(config.chunking)
  if (config.chunking !== undefined && chunking === undefined) {
    drafts.push(
      draftAt(
        root,
        `${path}/config/chunking`,
        'must be a mapping { size, overlap }',
        'write chunking: { size: 800, overlap: 120 }',
        '{ size, overlap }',
      ),
    )
  }
  if (chunking === undefined) return drafts
  drafts.push(
    ...unknownKeyDrafts(root, `${path}/config/chunking`, chunking, ['size', 'overlap'], 'RAG chunking'),
    ...integerDraft(root, `${path}/config/chunking/size`, chunking.size, RAG_MIN_CHUNK_SIZE_CHARS, 1_000_000),
    ...integerDraft(root, `${path}/config/chunking/overlap`, chunking.overlap, 0, 1_000_000),
  )
  const size = typeof chunking.size === 'number' ? chunking.size : 800
  if (typeof chunking.overlap === 'number' && chunking.overlap >= size / 2) {
    drafts.push(
      draftAt(
        root,
        `${path}/config/chunking/overlap`,
        `the overlap must stay below half the chunk size (${size}) or chunking cannot advance`,
        `write an overlap below ${Math.ceil(size / 2)}`,
        `an integer < ${Math.ceil(size / 2)}`,
      ),
    )
  }
  return drafts
}

/** storage and config on skills run by the built-in memory, rag, llm and file tools modules. */
export function builtinSkillDrafts(root: unknown): IssueDraft[] {
  const drafts: IssueDraft[] = []
  for (const { skill, path } of rawSkills(root)) {
    const module = builtinModuleOf(shapeOf(skill))
    if (module === undefined) continue
    const storage = asObject(skill.storage)
    if (storage !== undefined) drafts.push(...storageDrafts(root, path, module, storage))
    const config = asObject(skill.config)
    if (config === undefined) continue
    if (module === 'rag') drafts.push(...ragConfigDrafts(root, path, config))
    // The LLM skill's config is read by llmConfigFromSkill (src/skills/llm), which reports its own keys.
    if (module === 'memory' || module === 'tools-fs') {
      const owner = module === 'memory' ? 'the built-in memory skill' : 'the built-in file tools'
      drafts.push(...unknownKeyDrafts(root, `${path}/config`, config, [], owner))
    }
  }
  return drafts
}
