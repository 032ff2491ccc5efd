/** The tfjs spline families on the cpu backend. */
import { describeSplineSuite } from './suite';

describeSplineSuite('cpu');
