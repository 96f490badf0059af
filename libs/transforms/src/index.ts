/** Transforms: the contract, the built-ins and the loader for user modules. */
export type {
  Headers,
  InputRecord,
  OutputRecord,
  TransformContext,
  TransformDefinition,
  TransformFn,
  TransformResult,
} from './transform';
export { transformKey } from './transform';
export { BUILTIN_TRANSFORMS, identityV1, suffixV1 } from './builtins';
export { TransformRegistry } from './registry';
export { loadTransformsDir } from './loader';
export {
  PoisonRecordError,
  RetriableTransformError,
  TransformConfigError,
  TransformLoadError,
  UnknownTransformError,
  isRetriableTransformError,
} from './errors';
