import { storagePathOf } from '../../manifest/index.ts'
import { defineSkill } from '../../skill-api/index.ts'
import { memoryRoutes } from './memory-routes.ts'
import { createMemoryStep } from './memory-step.ts'
import { openMemoryStore } from './memory-store.ts'

/** The file the store keeps in the data directory unless the manifest's storage.path says otherwise. */
export const MEMORY_STORE_FILE = 'memory.sqlite'

/**
 * Episodic memory as a skill: `call` steps read the context for the run's text; the finished turn
 * is written just before the run emits turn.end (the skill consumes turn.end), so its
 * memory.write.receipt precedes turn.end in the causal chain.
 */
export const memorySkillModule = defineSkill({
  name: 'memory',
  emits: ['memory.context', 'memory.write.receipt'],
  configKeys: [],
  open(context) {
    // storage.path and retention.memory.maxAgeDays as the manifest says (decisions 1401, 1402).
    const retentionDays = context.manifest.retention?.memory?.maxAgeDays
    const store = openMemoryStore({
      path: storagePathOf(context.skill, context.dataDir, MEMORY_STORE_FILE),
      ...(retentionDays === undefined ? {} : { retentionDays }),
    })
    const step = createMemoryStep({ id: context.skill.id, store })
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
