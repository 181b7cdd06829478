// The microphone for /ws/voice: getUserMedia with echo cancellation (so the hub's spoken answer is
// not sent back as a question, docs/voice.md "Barge-in"), read by an AudioWorklet, or by a
// ScriptProcessor where worklets are missing. Samples are batched into pcm16 messages.

/** One message of audio: 100 ms at 48 kHz pcm16 is 9.6 KB, under the hub's 16 KiB per message. */
export const DEFAULT_CAPTURE_CHUNK_MS = 100
const SCRIPT_PROCESSOR_FRAMES = 2048
const WORKLET_URL = new URL('./voice-capture-worklet.js?no-inline', import.meta.url)

export interface Microphone {
  readonly kind: 'audio-worklet' | 'script-processor'
  readonly sampleRate: number
  close(): void
}

/** Opens the microphone in `context`; `onSamples` gets mono float samples at context.sampleRate. */
export async function openMicrophone(
  context: AudioContext,
  onSamples: (samples: Float32Array) => void,
): Promise<Microphone> {
  const stream = await navigator.mediaDevices.getUserMedia({
    audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true, channelCount: 1 },
  })
  const source = context.createMediaStreamSource(stream)
  // Chromium pulls a node only when it reaches the destination: a muted gain gets it there silently.
  const mute = context.createGain()
  mute.gain.value = 0
  mute.connect(context.destination)
  let node: AudioNode
  let kind: Microphone['kind']
  try {
    await context.audioWorklet.addModule(WORKLET_URL)
    const worklet = new AudioWorkletNode(context, 'voice-capture', { numberOfInputs: 1, numberOfOutputs: 1 })
    worklet.port.onmessage = (event: MessageEvent<Float32Array>) => onSamples(event.data)
    node = worklet
    kind = 'audio-worklet'
  } catch {
    const processor = context.createScriptProcessor(SCRIPT_PROCESSOR_FRAMES, 1, 1)
    processor.onaudioprocess = (event) => onSamples(event.inputBuffer.getChannelData(0).slice())
    node = processor
    kind = 'script-processor'
  }
  source.connect(node)
  node.connect(mute)
  return {
    kind,
    sampleRate: context.sampleRate,
    close() {
      source.disconnect()
      node.disconnect()
      mute.disconnect()
      for (const track of stream.getTracks()) track.stop()
    },
  }
}

/** Collects float samples and hands out little-endian pcm16 chunks of `chunkMs`. */
export class Pcm16Batcher {
  readonly #chunkSamples: number
  #pending: Float32Array[] = []
  #count = 0

  constructor(sampleRate: number, chunkMs = DEFAULT_CAPTURE_CHUNK_MS) {
    this.#chunkSamples = Math.max(1, Math.round((sampleRate * chunkMs) / 1000))
  }

  /** Adds samples; returns the chunks that are now complete. */
  push(samples: Float32Array): ArrayBuffer[] {
    this.#pending.push(samples)
    this.#count += samples.length
    const chunks: ArrayBuffer[] = []
    while (this.#count >= this.#chunkSamples) chunks.push(this.#take(this.#chunkSamples))
    return chunks
  }

  /** Whatever is left (at the end of an utterance), or undefined. */
  flush(): ArrayBuffer | undefined {
    return this.#count === 0 ? undefined : this.#take(this.#count)
  }

  reset(): void {
    this.#pending = []
    this.#count = 0
  }

  #take(count: number): ArrayBuffer {
    const out = new ArrayBuffer(count * 2)
    const view = new DataView(out)
    let written = 0
    while (written < count) {
      const head = this.#pending[0]!
      const use = Math.min(head.length, count - written)
      for (let index = 0; index < use; index++) {
        const value = Math.max(-1, Math.min(1, head[index]!))
        view.setInt16((written + index) * 2, Math.round(value * 32767), true)
      }
      written += use
      if (use === head.length) this.#pending.shift()
      else this.#pending[0] = head.subarray(use)
    }
    this.#count -= count
    return out
  }
}
