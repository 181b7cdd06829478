import type { StateMachine } from './manifest-types.ts'

// What the kernel uses when a manifest leaves a section out (kernel and llm.baseUrl are optional).

/** Where the kernel listens without kernel.api.http.base: loopback only. */
export const DEFAULT_KERNEL_BASE_URL = 'http://127.0.0.1:8000'

/** Ollama's own default address, used when llm.provider is ollama and baseUrl is absent. */
export const DEFAULT_OLLAMA_BASE_URL = 'http://127.0.0.1:11434'

/**
 * Seed 000's session state machine with the transitions it lacked (a typed message starts a turn,
 * back from acting, to idle when a turn ends), the same as manifests/default.yaml.
 */
export const DEFAULT_STATE_MACHINE: StateMachine = Object.freeze({
  initial: 'idle',
  states: Object.freeze([
    'idle',
    'listening',
    'transcribing',
    'thinking',
    'speaking',
    'rendering',
    'acting',
    'error',
  ]),
  transitions: Object.freeze(
    [
      { on: 'voice.start', from: 'idle', to: 'listening' },
      { on: 'chat.query', from: Object.freeze(['idle', 'error']), to: 'thinking' },
      { on: 'voice.end', from: 'listening', to: 'transcribing' },
      { on: 'stt.final', from: Object.freeze(['listening', 'transcribing']), to: 'thinking' },
      { on: 'llm.text', from: Object.freeze(['thinking', 'rendering']), to: 'speaking' },
      { on: 'tts.audio', from: Object.freeze(['speaking', 'rendering']), to: 'rendering' },
      { on: 'avatar.frames', from: 'rendering', to: 'idle' },
      { on: 'tool.request', from: 'thinking', to: 'acting' },
      { on: 'tool.result', from: 'acting', to: 'thinking' },
      { on: 'error.*', from: '*', to: 'error' },
      {
        on: 'turn.end',
        from: Object.freeze(['thinking', 'speaking', 'rendering', 'acting', 'error']),
        to: 'idle',
      },
    ].map((transition) => Object.freeze(transition)),
  ),
})
