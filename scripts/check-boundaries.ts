// `npm run lint` runs this: the architecture rules of scripts/boundaries (decision 1361).
import { resolve } from 'node:path'
import { checkBoundaries, formatReport, isClean } from './boundaries/check-boundaries.ts'

const report = checkBoundaries(resolve(import.meta.dirname, '..'))
const text = formatReport(report)
if (isClean(report)) process.stdout.write(text)
else {
  process.stderr.write(text)
  process.exitCode = 1
}
