// Runs in the AudioWorkletGlobalScope (loaded by voice-capture.ts from the page's own origin, which
// the dashboard's script-src 'self' allows): hands each 128-frame block of the microphone's first
// channel to the page, which batches and encodes it.
class VoiceCaptureProcessor extends AudioWorkletProcessor {
  process(inputs) {
    const channel = inputs[0]?.[0]
    if (channel !== undefined && channel.length > 0) this.port.postMessage(channel.slice(0))
    return true
  }
}

registerProcessor('voice-capture', VoiceCaptureProcessor)
