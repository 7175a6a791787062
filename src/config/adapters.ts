// The adapters this build can run, by id: the one place src/ reaches into adapters/ (the registry
// of those that ship in the repository). Configuration names adapters by id; everything else in
// src/ is handed their definitions from here.
export { adapters } from '../../adapters/index.ts'
