/** Most threads a run may use (--threads): training slices and evaluation workers. */
export const MAX_THREADS = 64;
