import { join } from 'node:path'
import { defineSkill } from '../../skill-api/index.ts'
import { indexRequestHandler } from './index-requests.ts'
import { createRagStep } from './rag-step.ts'
import { openRagStore } from './rag-store.ts'

/** The file the store keeps in the data directory unless the manifest's storage.path says otherwise. */
export const RAG_STORE_FILE = 'rag.sqlite'

/**
 * Document retrieval as a skill: `call` steps look the run's text up in the index; index.request
 * events (from any client of the bus) index paths inside the manifest's workspace roots.
 */
export const ragSkillModule = defineSkill({
  name: 'rag',
  emits: ['rag.query', 'rag.context', 'index.progress'],
  configKeys: ['topK', 'chunking'],
  open(context) {
    const store = openRagStore({ path: join(context.dataDir, RAG_STORE_FILE) })
    const topK = context.config.topK
    const step = createRagStep({
      id: context.skill.id,
      store,
      ...(typeof topK === 'number' ? { topK } : {}),
    })
    return {
      runtime: { status: step.status, invoke: step.invoke },
      subscriptions: [
        {
          pattern: 'index.request',
          handler: indexRequestHandler(context.bus, store, context.manifest.workspace?.roots ?? []),
          options: { durable: `${context.skill.id}.index` },
        },
      ],
      close: () => store.close(),
    }
  },
})
