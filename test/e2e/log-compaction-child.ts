// Child process for the crash test of log-retention.test.ts: compacts the log at argv[2] (events
// older than argv[3] days) in batches of 200 and kills itself inside batch argv[4], after its
// DELETE and before its COMMIT.
import { compactLog, openEventStore } from '../../src/store/index.ts'

const [path, days, crashAt] = process.argv
  .slice(2)
  .map((value, index) => (index === 0 ? value : Number(value))) as [string, number, number]
const store = openEventStore({ path, dedupeWindowMs: 60_000 })
await compactLog(
  store.db,
  { maxAgeMs: days * 24 * 60 * 60 * 1000 },
  {
    now: Date.now(),
    dedupeWindowMs: 60_000,
    batchEvents: 200,
    beforeCommit: (batch) => {
      process.stdout.write(`batch ${batch}\n`)
      if (batch === crashAt) process.kill(process.pid, 'SIGKILL')
    },
  },
)
process.stdout.write('finished\n')
