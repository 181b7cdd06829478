function isAlphanumeric(code: number): boolean {
  return (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || (code >= 48 && code <= 57)
}
function v1(text: string): boolean {
  let run = 0, classes = 0, letters = 0, wordy = false, randomRun = false, separator = false, previous = 0
  for (let index = 0; index <= text.length; index++) {
    const code = index < text.length ? text.charCodeAt(index) : 0
    previous = code
    if (code >= 97 && code <= 122) classes |= 1
    else if (code >= 65 && code <= 90) classes |= 2
    else if (code >= 48 && code <= 57) classes |= 4
    else if (code !== 95 && code !== 43 && code !== 47 && code !== 45) {
      if (run >= 32 && classes === 7) randomRun = true
      if (code === 58 || code === 61 || code === 64 || code === 32 || code === 9) separator = true
      run = 0; classes = 0; letters = 0
      continue
    }
    run++
    if ((code | 32) >= 97 && (code | 32) <= 122) { if (++letters >= 3) wordy = true } else letters = 0
  }
  return randomRun || (separator && wordy && previous === 1)
}
const inputs = ['session-1', 'ep_0190b7e4-1c2a-7abc-8def-0123456789ab']
for (let r = 0; r < 2; r++) for (const s of inputs) {
  const N = 1_000_000
  let x = 0
  const t = process.hrtime.bigint()
  for (let i = 0; i < N; i++) if (v1(s)) x++
  console.log('v1', s.slice(0, 12), (Number(process.hrtime.bigint() - t) / N).toFixed(1), 'ns')
}
