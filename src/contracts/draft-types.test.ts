import assert from 'node:assert/strict'
import { test } from 'node:test'
import type {
  AnyDraft,
  DraftOf,
  EventLatestVersionMap,
  PayloadOf,
  TypeOfKey,
  VersionedDraftOf,
  VersionOfKey,
} from './index.ts'

// Compile-time checks of the generated draft helpers; `tsc --noEmit` fails on an unused directive.

test('AnyDraft narrows its payload on type', () => {
  const describe = (draft: AnyDraft): string => {
    if (draft.type === 'ui.notify') return draft.payload.title
    // @ts-expect-error without narrowing there is no `title` known to the compiler
    return draft.payload.title
  }
  assert.equal(describe({ type: 'ui.notify', payload: { title: 'narrowed' } }), 'narrowed')
  // @ts-expect-error type and payload must belong together
  const mismatched: AnyDraft = { type: 'ui.notify', payload: { text: 'hi' } }
  assert.ok(mismatched)
})

test('PayloadOf, DraftOf and the versioned forms follow the catalog', () => {
  const payload: PayloadOf<'chat.query'> = { text: 'a' }
  const latest: EventLatestVersionMap['chat.query'] = 1
  const draft: DraftOf<'chat.query'> = { type: 'chat.query', version: latest, payload }
  const versioned: VersionedDraftOf<'chat.query@1'> = { ...draft, version: 1 }
  const type: TypeOfKey<'chat.query@1'> = 'chat.query'
  const version: VersionOfKey<'chat.query@1'> = 1
  assert.deepEqual([versioned.type, versioned.version, type, version], ['chat.query', 1, 'chat.query', 1])
  // @ts-expect-error a versioned draft names its version
  const unversioned: VersionedDraftOf<'chat.query@1'> = { type: 'chat.query', payload }
  // @ts-expect-error only the latest version is a DraftOf
  const older: DraftOf<'chat.query'> = { type: 'chat.query', version: 2, payload }
  assert.ok(unversioned && older)
})
