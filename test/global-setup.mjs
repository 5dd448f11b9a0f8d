// Jest transpiles a .ts globalSetup to CommonJS, which breaks ES-module code (import.meta, ".js"
// specifiers). This native-ESM shim loads the TypeScript setup through the tsx loader instead
// (scripts/test starts node with --import tsx/esm).
export { default } from './global-setup.ts';
