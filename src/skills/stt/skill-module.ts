import { resolveModelFile } from '../../model-files/index.ts'
import { defineSkill, findExecutable, type SkillHealth } from '../../skill-api/index.ts'
import { engineChoiceHealth } from '../../wyoming/index.ts'
import { DEFAULT_POCKETSPHINX_BINARY, POCKETSPHINX_INSTALL_HINT, startPocketsphinx } from './pocketsphinx.ts'
import { SEED_STT_TYPES, SessionsSeen, transcribeRun } from './stt-step.ts'
import {
  createWhisperEngine,
  type LoadWhisperModule,
  WHISPER_INSTALL_HINT,
  WHISPER_NODE_PACKAGE,
  whisperModelProblem,
  whisperPackageInstalled,
} from './whisper.ts'
import { startWyomingStt } from './wyoming.ts'

/** The engines this module runs. */
const ENGINES = ['pocketsphinx', 'whisper', 'wyoming'] as const
const LANGUAGES = ['en-us'] as const

/** Test seams: a fake whisper.node module and whether the package counts as installed. */
export interface SttModuleSeams {
  loadWhisper?: LoadWhisperModule
  whisperInstalled?: () => boolean
}

/**
 * Speech to text: the embedded engine is Debian's pocketsphinx with its US English model; `engine:
 * whisper` with `modelPath` runs whisper.cpp in process (@fugood/whisper.node); `engine: wyoming`
 * with `uri: tcp://host:port` uses a Wyoming service instead (faster-whisper). The step reads the
 * run's audio stream (16 kHz mono pcm16 from the voice entry) and sets `run.text`.
 */
export function createSttSkillModule(seams: SttModuleSeams = {}) {
  return defineSkill({
    name: 'stt',
    configKeys: ['engine', 'language', 'binary', 'uri', 'modelPath', 'threads'],
    emits: ['stt.partial', 'stt.final'],
    open(context) {
      const engine = String(context.config.engine ?? 'pocketsphinx')
      const language = String(context.config.language ?? (engine === 'whisper' ? 'en' : 'en-us'))
      const binary = String(context.config.binary ?? DEFAULT_POCKETSPHINX_BINARY)
      const uri = typeof context.config.uri === 'string' ? context.config.uri : undefined
      const configuredModel =
        typeof context.config.modelPath === 'string' ? context.config.modelPath : undefined
      // A bare file name is a model `localhub models pull` put in <data>/models, as for the LLM's
      // ggufPath; a path is used as given (decision 1724).
      const modelPath =
        configuredModel === undefined || context.dataDir === undefined
          ? configuredModel
          : resolveModelFile(context.dataDir, configuredModel)
      const threads = typeof context.config.threads === 'number' ? context.config.threads : undefined
      const whisperInstalled = seams.whisperInstalled ?? whisperPackageInstalled
      const whisper =
        engine === 'whisper'
          ? createWhisperEngine({
              modelPath,
              language,
              ...(threads === undefined ? {} : { threads }),
              ...(seams.loadWhisper === undefined ? {} : { loadModule: seams.loadWhisper }),
            })
          : undefined
      const status = (): SkillHealth => {
        const choice = engineChoiceHealth(engine, ENGINES, uri)
        if (choice !== undefined) return choice
        if (engine === 'whisper') {
          const problem = whisperModelProblem(modelPath)
          if (problem !== undefined) return { state: 'unavailable', reason: problem }
          if (!whisperInstalled())
            return {
              state: 'unavailable',
              reason: `${WHISPER_NODE_PACKAGE} is not installed: ${WHISPER_INSTALL_HINT}`,
            }
          return { state: 'ready' }
        }
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
      // Seed 003's stored voice events, for a manifest entry that provides them (docs/voice.md).
      const seedTypes = new Set(SEED_STT_TYPES.filter((type) => context.skill.provides.includes(type)))
      const sessionsSeen = new SessionsSeen()
      return {
        runtime: {
          status,
          async invoke(step) {
            await transcribeRun(
              step,
              (signal, onSegment) => {
                if (whisper !== undefined) return whisper.start(signal, onSegment)
                return engine === 'wyoming'
                  ? startWyomingStt(uri!, language, signal, onSegment)
                  : startPocketsphinx(binary, signal, onSegment)
              },
              { language, seedTypes, sessionsSeen },
            )
          },
        },
        close: () => whisper?.close(),
      }
    },
  })
}

export const sttSkillModule = createSttSkillModule()
