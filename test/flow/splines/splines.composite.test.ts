/** The composite-op spline families (the path of backends without the fused kernels), on cpu. */
import { describeSplineSuite } from './suite';

describeSplineSuite('cpu', { fused: false });
