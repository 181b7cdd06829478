import { defineSkill, findExecutable, type SkillHealth } from '../../skill-api/index.ts'
import { engineChoiceHealth } from '../../wyoming/index.ts'
import { DEFAULT_POCKETSPHINX_BINARY, POCKETSPHINX_INSTALL_HINT, startPocketsphinx } from './pocketsphinx.ts'
import { transcribeRun } from './stt-step.ts'
import { startWyomingStt } from './wyoming.ts'

/** The engines this module runs; whisper.cpp is not built yet (docs/voice.md). */
const ENGINES = ['pocketsphinx', 'wyoming'] as const
const LANGUAGES = ['en-us'] as const

/**
 * Speech to text: the embedded engine is Debian's pocketsphinx with its US English model; `engine:
 * wyoming` with `uri: tcp://host:port` uses a Wyoming service instead (faster-whisper). The step
 * reads the run's audio stream (16 kHz mono pcm16 from the voice entry) and sets `run.text`.
 */
export const sttSkillModule = defineSkill({
  name: 'stt',
  configKeys: ['engine', 'language', 'binary', 'uri'],
  emits: ['stt.partial', 'stt.final'],
  open(context) {
    const engine = String(context.config.engine ?? 'pocketsphinx')
    const language = String(context.config.language ?? 'en-us')
    const binary = String(context.config.binary ?? DEFAULT_POCKETSPHINX_BINARY)
    const uri = typeof context.config.uri === 'string' ? context.config.uri : undefined
    const status = (): SkillHealth => {
      const choice = engineChoiceHealth(engine, ENGINES, uri)
      if (choice !== undefined) return choice
      if (!(LANGUAGES as readonly string[]).includes(language))
        return {
          state: 'unavailable',
          reason: `language ${language} has no model here; use ${LANGUAGES.join(', ')}`,
        }
      const found = findExecutable(binary, context.env)
      if (found === undefined)
        return { state: 'unavailable', reason: `${binary} is not installed: ${POCKETSPHINX_INSTALL_HINT}` }
      return { state: 'ready' }
    }
    return {
      runtime: {
        status,
        async invoke(step) {
          await transcribeRun(step, (signal, onSegment) =>
            engine === 'wyoming'
              ? startWyomingStt(uri!, language, signal, onSegment)
              : startPocketsphinx(binary, signal, onSegment),
          )
        },
      },
    }
  },
})
