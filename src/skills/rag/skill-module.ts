import { storagePathOf } from '../../manifest/index.ts'
import { defineSkill, SERVICE_NAMES, type SearchPort } from '../../skill-api/index.ts'
import { indexRequestHandler } from './index-requests.ts'
import { ragOptionsOf } from './rag-skill-options.ts'
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
    // storage.path and config { topK, chunking } as the manifest says (docs/decisions/1402).
    const options = ragOptionsOf(context.config)
    const store = openRagStore({
      path: storagePathOf(context.skill, context.dataDir, RAG_STORE_FILE),
      ...options.store,
    })
    const step = createRagStep({ id: context.skill.id, store, topK: options.topK })
    // The first such skill of the manifest answers searches from outside a turn (MCP).
    if (context.services.get(SERVICE_NAMES.documentSearch) === undefined)
      context.services.provide<SearchPort>(SERVICE_NAMES.documentSearch, {
        search: async (query, limit) =>
          (await store.search({ query, topK: limit })).map(({ text: _text, ...hit }) => hit),
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
