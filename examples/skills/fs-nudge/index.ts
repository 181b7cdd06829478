// The worked example of docs/adding-a-skill.md: a skill that looks at file changes and proposes a
// nudge for the ones that matter. It lives in its own folder; a manifest names it by path.
import { defineSkill } from '../../../src/skill-api/index.ts'

interface FsChanged {
  path: string
  kind: 'create' | 'modify' | 'delete'
}

const PAST_TENSE = { create: 'created', modify: 'modified', delete: 'deleted' } as const

export const skillModule = defineSkill({
  name: 'fs-nudge',
  // The only settings it reads; any other key under `config:` is a manifest error.
  configKeys: ['extensions'],
  // The condition it registers for `if:` steps.
  conditions: ['touches_watched_file'],
  // What it publishes; the manifest's `provides` must list it.
  emits: ['nudge.proposal'],
  open(context) {
    const extensions = (context.config.extensions as string[] | undefined) ?? ['.md']
    const changeOf = (payload: unknown) => payload as FsChanged
    return {
      conditions: {
        touches_watched_file: (run) =>
          run.signal !== undefined &&
          extensions.some((extension) => changeOf(run.signal!.payload).path.endsWith(extension)),
      },
      runtime: {
        status: () => ({ state: 'ready' }),
        // A `call` step: prepare the proposal the pipeline's `emit: nudge.proposal` step publishes.
        async invoke({ run }) {
          const change = changeOf(run.signal?.payload)
          run.data.set('payload:nudge.proposal', {
            title: `${change.path} was ${PAST_TENSE[change.kind]}`,
            reason: `a watched file (${extensions.join(', ')}) changed`,
            severity: 'low',
            channel: 'dashboard_only',
          })
        },
      },
    }
  },
})
