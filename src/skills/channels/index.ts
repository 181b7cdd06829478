export { DEFAULT_OUTBOX_DATABASE, ReplyOutbox } from './reply-outbox.ts'
export { channelsSkillModule as skillModule } from './skill-module.ts'
