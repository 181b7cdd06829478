declare module 'virtual:ui-hints' {
  import type { TypeHint } from './lib/ui-hints.ts'

  const hints: Readonly<Record<string, TypeHint>>
  export default hints
}
