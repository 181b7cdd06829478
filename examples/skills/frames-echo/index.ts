// The contract's example skill (docs/frame-protocol.md, "Example skills"): the tools of
// echo-skill.ts as a stdio skill host. The hub runs it as
// `node --conditions=localhub-source --import tsx examples/skills/frames-echo/index.ts`
// (manifest.yaml beside it); the Python host's echo_skill.py serves the same tools.
import { runStdioSkill } from 'localhub/skill'
import { skill } from './echo-skill.ts'

runStdioSkill(skill)
