import type { FastifyInstance } from 'fastify'
import { ok } from '../../contracts/index.ts'
import type { HubManifest } from '../../manifest/index.ts'
import type { LlmConfigInput } from '../../skills/llm/index.ts'
import { runDoctor } from '../doctor/index.ts'
import { DOCTOR_SCHEMA } from './hub-route-schemas.ts'

export interface DoctorRouteOptions {
  manifest: HubManifest
  dataDir: string
  env: Readonly<Record<string, string | undefined>>
  llmFlags?: LlmConfigInput
}

/** GET /doctor: the checks of `localhub doctor`, run by this hub with its own settings. */
export function doctorRoutes(options: DoctorRouteOptions) {
  return (app: FastifyInstance) => {
    app.get('/doctor', { schema: DOCTOR_SCHEMA }, async (request) => {
      // The port this request came in on is the hub's own: reported as in use by this hub.
      const port = request.socket.localPort ?? 0
      const host = request.socket.localAddress ?? '127.0.0.1'
      const self = { url: `http://127.0.0.1:${port}` }
      const report = await runDoctor({
        manifest: options.manifest,
        dataDir: options.dataDir,
        env: options.env,
        address: { host, port },
        self,
        ...(options.llmFlags === undefined ? {} : { llmFlags: options.llmFlags }),
      })
      return ok({ ...report, dataDir: options.dataDir })
    })
  }
}
