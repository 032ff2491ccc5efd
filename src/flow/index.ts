/** Public API of the flow package: masks, the coupling chain and its serialization. */
export { defaultFlowConfig, Flow, type FlowConfigOptions, type SerializedFlow } from './flow';
export { type CouplingOptions, type CouplingOutput } from './coupling';
export { type MlpOptions } from './mlp';
export { type FlowConfig, type SerializedWeights, type SplineFamily, type SplineKind } from './types';
