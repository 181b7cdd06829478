// The `info` event a Wyoming server answers `describe` with: lists of programs (asr, tts, handle,
// intent, wake), each with an attribution, whether it is installed, and its models or voices.

export interface WyomingServiceDescription {
  /** The hub's name for people (the manifest's system.id). */
  hubName: string
  version: string
  /** Speech recognition: engine name and languages. */
  asr: { engine: string; languages: readonly string[] }
  /** Speech synthesis: engine name, voice, languages. */
  tts: { engine: string; voice: string; languages: readonly string[] }
  /** Who answers: the language model's name. */
  handle: { model: string; languages: readonly string[] }
  /** The wake phrases the hub listens for on a satellite's stream, when the wake skill is on. */
  wake?: { engine: string; phrases: readonly string[]; languages: readonly string[] }
}

// The protocol requires a url; the hub has no public home to name, so it is empty.
const HUB_ATTRIBUTION = { name: 'localhub', url: '' }

function artifact(name: string, description: string, version: string) {
  return { name, attribution: HUB_ATTRIBUTION, installed: true, description, version }
}

/** The data of the `info` event describing the hub's voice turn as Wyoming services. */
export function wyomingInfoData(service: WyomingServiceDescription): Record<string, unknown> {
  const { hubName, version } = service
  return {
    asr: [
      {
        ...artifact(`${hubName}-asr`, `the hub's speech recognition (${service.asr.engine})`, version),
        models: [
          {
            ...artifact(service.asr.engine, `${service.asr.engine} speech to text`, version),
            languages: [...service.asr.languages],
          },
        ],
      },
    ],
    tts: [
      {
        ...artifact(`${hubName}-tts`, `the hub's speech synthesis (${service.tts.engine})`, version),
        voices: [
          {
            ...artifact(service.tts.voice, `${service.tts.engine} voice ${service.tts.voice}`, version),
            languages: [...service.tts.languages],
          },
        ],
      },
    ],
    handle: [
      {
        ...artifact(`${hubName}-assistant`, 'a voice turn: transcript, answer, spoken answer', version),
        models: [
          {
            ...artifact(service.handle.model, `the language model ${service.handle.model}`, version),
            languages: [...service.handle.languages],
          },
        ],
      },
    ],
    intent: [],
    wake:
      service.wake === undefined
        ? []
        : [
            {
              ...artifact(
                `${hubName}-wake`,
                `the hub's wake word detector (${service.wake.engine})`,
                version,
              ),
              models: service.wake.phrases.map((phrase) => ({
                ...artifact(phrase, `the wake phrase "${phrase}"`, version),
                languages: [...(service.wake?.languages ?? [])],
              })),
            },
          ],
  }
}
