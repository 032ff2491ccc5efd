/** Public API of the flow package: masks, the coupling chain and its serialization. */
export { buildMasks, maskIndices, minLayers } from './masks';
export { defaultFlowConfig, Flow, type FlowConfigOptions, type SerializedFlow } from './flow';
export { Coupling, type CouplingOptions, type CouplingOutput } from './coupling';
export { Mlp, oneBlob, type MlpOptions } from './mlp';
export { ColumnSelection, dense, matMulT, transposeProduct } from './ops';
export { splineKinds, type FlowConfig, type SerializedWeights, type SplineFamily, type SplineKind } from './types';
