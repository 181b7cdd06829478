import { HubError } from '../../contracts/index.ts'
import { storagePathOf } from '../../manifest/index.ts'
import { defineSkill, SERVICE_NAMES, type SearchPort } from '../../skill-api/index.ts'
import { memoryRoutes } from './memory-routes.ts'
import { createMemoryStep } from './memory-step.ts'
import { openMemoryStore } from './memory-store.ts'

/** The file the store keeps in the data directory unless the manifest's storage.path says otherwise. */
export const MEMORY_STORE_FILE = 'memory.sqlite'
/** The session a search from outside a turn (MCP) ranks for: none of the person's, so recency and BM25 decide. */
const MEMORY_SEARCH_SESSION = 'search'

/**
 * The policies say what the skill does, and it does only that: a value asking for something else
 * (writing on another event, another retention) is refused rather than ignored.
 */
export function checkMemoryPolicies(policies: Record<string, unknown> | undefined): void {
  const writeOn = policies?.writeOn
  if (writeOn !== undefined && !(Array.isArray(writeOn) && writeOn.length === 1 && writeOn[0] === 'turn.end'))
    throw new HubError(
      'E_VALIDATION',
      `policies.writeOn: the memory skill writes a turn when it ends, so the only value is [turn.end], got ${JSON.stringify(writeOn)}`,
    )
  const retention = policies?.retention
  if (retention !== undefined && retention !== 'user-controlled')
    throw new HubError(
      'E_VALIDATION',
      `policies.retention: the person keeps and forgets memory (GET /memory, POST /memory/forget; an age limit is retention.memory.maxAgeDays), so the only value is "user-controlled", got ${JSON.stringify(retention)}`,
    )
}

/**
 * Episodic memory as a skill: `call` steps read the context for the run's text; the finished turn
 * is written just before the run emits turn.end (the skill consumes turn.end), so its
 * memory.write.receipt precedes turn.end in the causal chain.
 */
export const memorySkillModule = defineSkill({
  name: 'memory',
  emits: ['memory.context', 'memory.write.receipt'],
  configKeys: [],
  // Seed 000's words for what the skill does: it writes the finished turn (it consumes turn.end),
  // and the person lists and forgets what it keeps (GET /memory, POST /memory/forget).
  policyShape: { writeOn: true, retention: true },
  open(context) {
    checkMemoryPolicies(context.skill.policies)
    // storage.path and retention.memory.maxAgeDays as the manifest says (decisions 1401, 1402).
    const retentionDays = context.manifest.retention?.memory?.maxAgeDays
    const store = openMemoryStore({
      path: storagePathOf(context.skill, context.dataDir, MEMORY_STORE_FILE),
      ...(retentionDays === undefined ? {} : { retentionDays }),
    })
    const step = createMemoryStep({ id: context.skill.id, store })
    // The first such skill of the manifest answers searches from outside a turn (MCP).
    if (context.services.get(SERVICE_NAMES.memorySearch) === undefined)
      context.services.provide<SearchPort>(SERVICE_NAMES.memorySearch, {
        search: async (query, limit) => {
          const found = store.readContext({ sessionId: MEMORY_SEARCH_SESSION, query, limit })
          return [...found.facts, ...found.summaries]
        },
      })
    return {
      runtime: { status: step.status, invoke: step.invoke },
      // GET /memory and POST /memory/forget: the person lists and erases what is kept.
      routes: [memoryRoutes(store)],
      beforeEmit: async (type, { run, emitter }) => {
        if (type === 'turn.end') await step.recordTurn(run, emitter)
      },
      close: () => store.close(),
    }
  },
})
