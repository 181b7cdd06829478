import type { FastifyInstance } from 'fastify'
import { ok } from '../../contracts/index.ts'
import { type HandsFreeControl, type HandsFreeState, VOICE_MODES } from '../../wake-word/index.ts'

function view(state: HandsFreeState) {
  return { mode: state.mode, modes: [...VOICE_MODES], dnd: state.dnd, phrases: state.phrases }
}

/**
 * GET/PUT /voice/mode `{mode}` and GET/PUT /voice/wake-words `{phrases: [{phrase, threshold}]}`:
 * a change is saved in the data directory and applied to every listening source at once.
 */
export function wakeRoutes(control: HandsFreeControl) {
  return (app: FastifyInstance) => {
    app.get('/voice/mode', async () => ok(view(control.state())))
    app.put('/voice/mode', async (request) => {
      const body = (request.body ?? {}) as Record<string, unknown>
      return ok(view(control.setMode(body.mode)))
    })
    app.get('/voice/wake-words', async () => ok({ phrases: control.state().phrases }))
    app.put('/voice/wake-words', async (request) => {
      const body = (request.body ?? {}) as Record<string, unknown>
      return ok({ phrases: control.setPhrases(body.phrases).phrases })
    })
  }
}
