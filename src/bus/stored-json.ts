// The stored JSON text of envelopes delivered to a consumer that asked to keep it
// (SubscribeOptions.storedJson, decision 1774). A reader that only forwards events (the WS tail)
// sends this text instead of serialising the parsed envelope again. Weakly held: the text lives
// as long as the envelope it was parsed into.
const texts = new WeakMap<object, string>()

export function rememberStoredJson(envelope: object, json: string): void {
  texts.set(envelope, json)
}

/**
 * The text `envelope` was parsed from, when its consumer kept it and the log has a text form
 * (SQLite). It is the stored form: a handler that changed its envelope must not forward it.
 */
export function storedJsonOf(envelope: object): string | undefined {
  return texts.get(envelope)
}
