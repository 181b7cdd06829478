export { FaceRenderer, paintFace } from './face-renderer.ts'
export { KeyframeSampler } from './keyframes.ts'
export { avatarSkillModule as skillModule } from './skill-module.ts'
export { VisemeTimeline } from './viseme-timeline.ts'
