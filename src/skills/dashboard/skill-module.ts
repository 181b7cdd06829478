import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { defineSkill } from '../../skill-api/index.ts'

/** The built dashboard (`npm run build:web`), which the kernel serves at /. */
const DASHBOARD_INDEX = fileURLToPath(new URL('../../../web/dist/index.html', import.meta.url))

/**
 * The dashboard as a skill: the page is a client of the kernel (it reads /ws/events and posts
 * ui.* events with the person's token), so this module only reports whether the page is built.
 */
export const dashboardSkillModule = defineSkill({
  name: 'dashboard',
  configKeys: [],
  open() {
    return {
      runtime: {
        status: () =>
          existsSync(DASHBOARD_INDEX)
            ? { state: 'ready' }
            : { state: 'unavailable', reason: 'the dashboard is not built; run npm run build:web' },
      },
    }
  },
})
