export * from './library';
export { type IntegrandFile, type DimsSpec } from './schema';
