/** Runs every closer in order, even when one throws. */
export async function closeAll(closers: (() => Promise<void> | void)[]): Promise<void> {
  for (const close of closers) {
    try {
      await close()
    } catch {
      // Closing goes on: one failing part must not keep the others (and the log) open.
    }
  }
}
