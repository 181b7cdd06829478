// The skill hosts the shared frame conformance suite runs: the same example tools, one in Python and
// one in TypeScript (docs/frame-protocol.md, "Example skills").
import type { HostCommand } from './frame-driver.ts'

export const HOST_COMMANDS: readonly HostCommand[] = [
  {
    name: 'python',
    command: 'python3',
    args: ['manifests/examples/python-skill/echo_skill.py'],
    env: { PYTHONPATH: 'python' },
    requires: 'manifests/examples/python-skill/echo_skill.py',
    invalidManifest: {
      command: 'python3',
      args: ['test/conformance/frames/fixtures/invalid_manifest_skill.py'],
      requires: 'test/conformance/frames/fixtures/invalid_manifest_skill.py',
    },
    overTcp: {
      command: 'python3',
      args: ['test/conformance/frames/fixtures/tcp_echo_skill.py'],
      requires: 'test/conformance/frames/fixtures/tcp_echo_skill.py',
    },
  },
  {
    name: 'typescript',
    command: process.execPath,
    args: ['--conditions=localhub-source', '--import', 'tsx', 'examples/skills/frames-echo/index.ts'],
    requires: 'examples/skills/frames-echo/index.ts',
    invalidManifest: {
      command: process.execPath,
      args: [
        '--conditions=localhub-source',
        '--import',
        'tsx',
        'test/conformance/frames/fixtures/invalid-manifest-skill.ts',
      ],
      requires: 'test/conformance/frames/fixtures/invalid-manifest-skill.ts',
    },
    overTcp: {
      command: process.execPath,
      args: [
        '--conditions=localhub-source',
        '--import',
        'tsx',
        'test/conformance/frames/fixtures/tcp-echo-skill.ts',
      ],
      requires: 'test/conformance/frames/fixtures/tcp-echo-skill.ts',
    },
  },
]
