export * from './library';
export { integrandFileSchema, LIBRARY_MAX_DIM, type IntegrandFile, type DimsSpec } from './schema';
