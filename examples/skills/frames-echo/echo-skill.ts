// The contract's example tools (docs/frame-protocol.md, "Example skills"), written with the
// `localhub/skill` SDK. index.ts runs them over stdin/stdout; the conformance suite's
// test/conformance/frames/fixtures/tcp-echo-skill.ts runs them over a connection it dials again.
import { defineStdioSkill, defineTool } from 'localhub/skill'

const seen: string[] = []
const text = { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] }

export const skill = defineStdioSkill({
  tools: {
    echo: defineTool({
      description: 'Returns the text it is given.',
      input: text,
      handler: (args: { text: string }) => ({ text: args.text }),
    }),
    slow_echo: defineTool({
      description: 'Returns the text after delay_ms milliseconds.',
      input: {
        type: 'object',
        properties: { text: { type: 'string' }, delay_ms: { type: 'integer', minimum: 0 } },
        required: ['text', 'delay_ms'],
      },
      handler: async (args: { text: string; delay_ms: number }) => {
        await new Promise((resolve) => setTimeout(resolve, args.delay_ms))
        return { text: args.text }
      },
    }),
    big: defineTool({
      primitive: 'document',
      description: 'Returns a string of `bytes` letters x, always as payload frames.',
      payload: 'always',
      input: { type: 'object', properties: { bytes: { type: 'integer', minimum: 0 } }, required: ['bytes'] },
      handler: (args: { bytes: number }) => 'x'.repeat(args.bytes),
    }),
    ask: defineTool({
      primitive: 'send',
      description: 'Asks the person for permission and returns the decision.',
      input: { type: 'object', properties: { description: { type: 'string' } }, required: ['description'] },
      handler: async (args: { description: string }, context) => {
        const answer = await context.askPermission({ descriptionEn: args.description, riskLevel: 'medium' })
        return { decision: answer.decision }
      },
    }),
    crash: defineTool({
      description: 'Exits the process with code 1 in the middle of the call (for crash tests).',
      handler: () => {
        process.exit(1)
      },
    }),
    publish: defineTool({
      primitive: 'send',
      description: 'Publishes an event {type, payload} as this skill.',
      input: {
        type: 'object',
        properties: { type: { type: 'string' }, payload: { type: 'object' } },
        required: ['type', 'payload'],
      },
      handler: (args: { type: string; payload: Record<string, unknown> }, context) => ({
        event_guid: context.publishUntyped(args.type, args.payload),
      }),
    }),
    seen: defineTool({
      description: 'Lists the ids of the events pushed to this skill so far.',
      handler: () => ({ event_guids: [...seen] }),
    }),
  },
  onEvent: (event) => {
    seen.push(event.id)
  },
})
