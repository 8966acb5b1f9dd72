/** What a server child reports when asked to stop probing (bench/probe.mjs). */
export interface Probed { probe: 'stopped'; bytes: number; cpuUs: number; gcs: number; scavengeMaxUs: number }
export function answerProbes(): void;
