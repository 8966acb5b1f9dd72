// What a server child spent between two moments, for the per-request budget (`npm run bench`):
// the bytes it allocated on its JavaScript heap (the heap's growth plus what each garbage
// collection in between freed, from v8.GCProfiler) and its CPU time (user + system), which
// holds better than req/s when other work shares the machine. Plain JavaScript, so the bare
// baselines (hello.mjs, run by plain node) answer it too.
import v8 from 'node:v8';

/** Answers {probe: 'start'} and {probe: 'stop'} over IPC. */
export function answerProbes() {
  let profiler = null;
  let usedAtStart = 0;
  let cpuAtStart = null;
  process.on('message', (message) => {
    if (message?.probe === 'start') {
      profiler = new v8.GCProfiler();
      profiler.start();
      usedAtStart = v8.getHeapStatistics().used_heap_size;
      cpuAtStart = process.cpuUsage();
      process.send?.({ probe: 'started' });
    } else if (message?.probe === 'stop' && profiler) {
      const cpu = process.cpuUsage(cpuAtStart);
      const usedAtEnd = v8.getHeapStatistics().used_heap_size;
      const { statistics } = profiler.stop();
      profiler = null;
      let freed = 0;
      let scavengeMaxUs = 0;
      for (const gc of statistics) {
        freed += gc.beforeGC.heapStatistics.usedHeapSize - gc.afterGC.heapStatistics.usedHeapSize;
        if (gc.gcType === 'Scavenge') scavengeMaxUs = Math.max(scavengeMaxUs, gc.cost);
      }
      process.send?.({ probe: 'stopped', bytes: usedAtEnd - usedAtStart + freed, cpuUs: cpu.user + cpu.system, gcs: statistics.length, scavengeMaxUs });
    }
  });
}
