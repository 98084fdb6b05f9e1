/** Routing: model string → target, thinking suffix, payload rules, the model listing. Pure; no I/O. */
export type { Catalog, Target } from './config-view.ts'
export { matchesGlob } from './glob.ts'
export { type ListedModel, listModels } from './model-list.ts'
export { applyPayloadRules } from './payload-rules.ts'
export {
  type ResolveContext,
  type Resolved,
  type Route,
  RouteError,
  resolveModel,
  resolveRoute,
} from './resolve-model.ts'
export { type ParsedModel, parseThinkingSuffix } from './thinking-suffix.ts'
