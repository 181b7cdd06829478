import type { FastifyInstance } from 'fastify'
import { envelopeResponses, type HttpRouteSchema, ok } from '../../contracts/index.ts'
import { type HandsFreeControl, type HandsFreeState, VOICE_MODES } from '../../wake-word/index.ts'

function view(state: HandsFreeState) {
  return { mode: state.mode, modes: [...VOICE_MODES], dnd: state.dnd, phrases: state.phrases }
}

const MODE_VIEW = {
  type: 'object',
  required: ['mode', 'modes'],
  properties: {
    mode: { type: 'string' },
    modes: { type: 'array', items: { type: 'string' } },
    phrases: { type: 'array' },
  },
}
const PHRASES_VIEW = { type: 'object', required: ['phrases'], properties: { phrases: { type: 'array' } } }

// setMode and setPhrases check the values (and say which is wrong); the schemas refuse the shape.
const ROUTE_SCHEMAS: Record<'mode' | 'setMode' | 'phrases' | 'setPhrases', HttpRouteSchema> = {
  mode: { summary: 'The hands-free voice mode', tags: ['voice'], responses: envelopeResponses(MODE_VIEW) },
  setMode: {
    summary: 'Change the voice mode',
    tags: ['voice'],
    body: {
      type: 'object',
      required: ['mode'],
      additionalProperties: false,
      properties: { mode: { enum: [...VOICE_MODES] } },
    },
    responses: envelopeResponses(MODE_VIEW),
  },
  phrases: {
    summary: 'The wake words and their thresholds',
    tags: ['voice'],
    responses: envelopeResponses(PHRASES_VIEW),
  },
  setPhrases: {
    summary: 'Replace the wake words',
    tags: ['voice'],
    body: {
      type: 'object',
      required: ['phrases'],
      additionalProperties: false,
      properties: { phrases: { type: 'array', items: { type: 'object' } } },
    },
    responses: envelopeResponses(PHRASES_VIEW),
  },
}

/**
 * GET/PUT /voice/mode `{mode}` and GET/PUT /voice/wake-words `{phrases: [{phrase, threshold}]}`:
 * a change is saved in the data directory and applied to every listening source at once.
 */
export function wakeRoutes(control: HandsFreeControl) {
  return (app: FastifyInstance) => {
    app.get('/voice/mode', { schema: ROUTE_SCHEMAS.mode }, async () => ok(view(control.state())))
    app.put('/voice/mode', { schema: ROUTE_SCHEMAS.setMode }, async (request) => {
      const body = (request.body ?? {}) as Record<string, unknown>
      return ok(view(control.setMode(body.mode)))
    })
    app.get('/voice/wake-words', { schema: ROUTE_SCHEMAS.phrases }, async () =>
      ok({ phrases: control.state().phrases }),
    )
    app.put('/voice/wake-words', { schema: ROUTE_SCHEMAS.setPhrases }, async (request) => {
      const body = (request.body ?? {}) as Record<string, unknown>
      return ok({ phrases: control.setPhrases(body.phrases).phrases })
    })
  }
}
