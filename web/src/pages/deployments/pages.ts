// The deployments area's pages, one script loaded when the first of them opens (routes.tsx).
export { Stacks } from './Stacks';
export { StackDetail } from './StackDetail';
export { Applications } from './Applications';
export { ApplicationDetail } from './ApplicationDetail';
