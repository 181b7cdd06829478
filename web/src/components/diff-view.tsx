/** A unified diff with added and removed lines marked (colour and a +/- sign, not colour alone). */
export function DiffView({ diff }: { diff: string }) {
  const lines = diff.split('\n').slice(0, 2_000)
  return (
    <pre className="diff">
      {lines.map((line, index) => {
        const kind =
          line.startsWith('+') && !line.startsWith('+++')
            ? 'add'
            : line.startsWith('-') && !line.startsWith('---')
              ? 'del'
              : 'ctx'
        return (
          // biome-ignore lint/suspicious/noArrayIndexKey: lines of one diff never move
          <span key={index} className={`diff-${kind}`}>
            {line}
            {'\n'}
          </span>
        )
      })}
    </pre>
  )
}
