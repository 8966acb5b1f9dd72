// The legal area's pages, one script loaded when the first of them opens (routes.tsx).
export { Agreement, Agreements } from './Agreement';
