import type { Bus } from '../../bus/index.ts'
import type { HubManifest, Skill } from '../../manifest/index.ts'
import type { LlmProvider } from '../../skills/llm/index.ts'
import type { MemoryStore } from '../../skills/memory/index.ts'
import type { RagStore } from '../../skills/rag/index.ts'
import type { SkillRuntime, SkillStatus } from '../pipeline/index.ts'
import { createHttpSkill } from '../skill-host/http-skill.ts'
import { createLlmSkill, type ToolPort } from '../skill-host/llm-skill.ts'
import { createMemorySkill, type MemorySkill } from '../skill-host/memory-skill.ts'
import { createRagSkill } from '../skill-host/rag-skill.ts'

/** Which built-in implements a manifest skill, by its role (seed 000's roles) or id prefix. */
export type BuiltinKind = 'llm' | 'memory' | 'rag' | 'tools'

export function builtinKindOf(skill: Skill): BuiltinKind | undefined {
  if (skill.role === 'core-brain' || skill.id.startsWith('skill.llm.')) return 'llm'
  if (skill.role === 'long-term-episodic' || skill.id.startsWith('skill.memory.')) return 'memory'
  if (skill.role === 'doc-knowledge' || skill.id.startsWith('skill.rag.')) return 'rag'
  if (skill.role === 'tools.read' || skill.role === 'tools.write' || skill.id.startsWith('skill.action.'))
    return 'tools'
  return undefined
}

export interface SkillDependencies {
  llm: LlmProvider
  memory: MemoryStore
  rag: RagStore
  /** The hub's tools as the LLM step offers them to the model. */
  tools?: ToolPort
  /** Why the file tools cannot act, when no workspace root exists. */
  toolsUnavailableReason?: string
}

export interface LoadedSkills {
  runtimes: Map<string, SkillRuntime>
  memory?: MemorySkill
  /** Every declared skill with its state, for /health. */
  report(): { id: string; status: SkillStatus; reason?: string }[]
}

/** A declared skill this hub cannot run: visible in /health, skipped by optional steps. */
function unavailable(id: string, reason: string): SkillRuntime {
  return { id, status: () => ({ state: 'unavailable', reason }), invoke: async () => undefined }
}

function numberConfig(skill: Skill, key: string): number | undefined {
  const value = skill.config?.[key]
  return typeof value === 'number' ? value : undefined
}

/**
 * Builds a runtime for every skill of the manifest. Built-ins run in process; a skill whose
 * implementation is not part of this hub (voice, avatar, tools, watchers until they land) is
 * declared unavailable with the reason, which makes the hub degraded, not dead.
 */
export function loadSkills(manifest: HubManifest, dependencies: SkillDependencies, _bus: Bus): LoadedSkills {
  const runtimes = new Map<string, SkillRuntime>()
  let memory: MemorySkill | undefined
  for (const skill of manifest.skills) {
    if (skill.enabled === false) {
      runtimes.set(skill.id, unavailable(skill.id, 'disabled in the manifest'))
      continue
    }
    const transport = skill.transport?.type ?? 'inproc'
    const kind = builtinKindOf(skill)
    if (kind === 'llm' && (transport === 'inproc' || transport === 'http')) {
      // The LLM skill's http transport is the model server (Ollama/OpenAI), reached by the provider.
      const temperature = numberConfig(skill, 'temperature')
      runtimes.set(
        skill.id,
        createLlmSkill({
          id: skill.id,
          provider: dependencies.llm,
          ...(dependencies.tools === undefined ? {} : { tools: dependencies.tools }),
          ...(temperature === undefined ? {} : { temperature }),
          ...(manifest.llm?.contextSize === undefined ? {} : { contextTokens: manifest.llm.contextSize }),
        }),
      )
    } else if (kind === 'memory' && transport === 'inproc') {
      memory = createMemorySkill({ id: skill.id, store: dependencies.memory })
      runtimes.set(skill.id, memory)
    } else if (kind === 'rag' && transport === 'inproc') {
      const topK = numberConfig(skill, 'topK')
      runtimes.set(
        skill.id,
        createRagSkill({ id: skill.id, store: dependencies.rag, ...(topK === undefined ? {} : { topK }) }),
      )
    } else if (transport === 'http' && skill.transport?.base !== undefined) {
      // Any other skill with an http transport is remote and speaks the envelope (docs/kernel-skills.md).
      const url = new URL(skill.transport.endpoint ?? '', skill.transport.base).toString()
      runtimes.set(
        skill.id,
        createHttpSkill({
          id: skill.id,
          url,
          ...(skill.transport.timeoutMs === undefined ? {} : { timeoutMs: skill.transport.timeoutMs }),
        }),
      )
    } else if (kind === 'tools' && transport === 'inproc') {
      // The file tools are served by the kernel's tool service (POST /tools/:name, approvals);
      // the runtime only reports whether they can act.
      const reason = dependencies.toolsUnavailableReason
      runtimes.set(
        skill.id,
        reason === undefined
          ? { id: skill.id, status: () => ({ state: 'ready' }), invoke: async () => undefined }
          : unavailable(skill.id, reason),
      )
    } else {
      const reason =
        kind === undefined
          ? `no implementation of role ${skill.role} over ${transport} in this hub yet`
          : `the built-in ${kind} skill runs in process; transport ${transport} is not supported for it yet`
      runtimes.set(skill.id, unavailable(skill.id, reason))
    }
  }
  return {
    runtimes,
    ...(memory === undefined ? {} : { memory }),
    report: () =>
      [...runtimes.values()].map((runtime) => {
        const status = runtime.status()
        return {
          id: runtime.id,
          status: status.state,
          ...(status.reason === undefined ? {} : { reason: status.reason }),
        }
      }),
  }
}
