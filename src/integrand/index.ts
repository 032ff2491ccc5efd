/**
 * Integrand compiler: mathjs expressions over d dimensions -> float64 kernels.
 */

export { compileIntegrand, type CompileOptions, type CompiledExpression } from './compile';
export { compileEvent } from './events';
export { parseParam } from './parse';
export { erf } from './special';
