// A node:test reporter (loaded by scripts/run-tests.ts beside the spec reporter) that writes one
// JSON line per finished test file: its path, its wall time and whether it passed. node:test runs
// each file as a child process and reports that file as a top-level test named by its path, so
// the time includes the child's start-up (tsx, imports), which is real cost the shards pay.
// Plain JavaScript: node loads reporters without the tsx loader.
export default async function* testDurations(source) {
  for await (const event of source) {
    const data = event.data
    if (event.type !== 'test:complete' || !data || data.nesting !== 0) continue
    if (data.file === undefined || data.name !== data.file) continue
    const milliseconds = data.details?.duration_ms
    if (typeof milliseconds !== 'number') continue
    yield `${JSON.stringify({ file: data.file, milliseconds, passed: data.details?.passed === true })}\n`
  }
}
