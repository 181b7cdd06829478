// Plays a token list onto a streaming response in a protocol's framing, applying the scripted
// misbehaviours (slow first token, disconnect, in-stream error, truncation).
import type { ServerResponse } from 'node:http'
import { type BodyWriter, delay, isGone, killConnection } from './loopback-server.ts'
import type { FakeLlmServerOptions } from './server-options.ts'

export interface Framing {
  token(text: string, index: number): string
  error(message: string): string
  /** Everything after the last token (final message, usage, terminator). */
  final(): string
}

export async function playTokens(
  response: ServerResponse,
  writer: BodyWriter,
  tokens: string[],
  options: FakeLlmServerOptions,
  framing: Framing,
): Promise<void> {
  await delay(options.firstTokenDelayMs ?? 0)
  for (let index = 0; index <= tokens.length; index++) {
    if (isGone(response)) return
    if (options.disconnectAfterTokens === index) {
      await writer.flush()
      // Give the flushed bytes a moment to leave before the socket dies.
      await delay(5)
      killConnection(response)
      return
    }
    if (options.errorAfterTokens?.tokens === index) {
      await writer.write(framing.error(options.errorAfterTokens.message))
      await writer.end()
      return
    }
    if (options.truncateAfterTokens === index) {
      await writer.end()
      return
    }
    if (index === tokens.length) break
    await writer.write(framing.token(tokens[index]!, index))
    if (index < tokens.length - 1) await delay(options.tokenDelayMs ?? 0)
  }
  await writer.write(framing.final())
  await writer.end()
}
