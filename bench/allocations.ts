// Bytes the server allocates on its JavaScript heap between two moments: for the per-request
// allocation budget (`npm run bench`). The heap's growth plus what each garbage collection
// in between freed (v8.GCProfiler reports the heap before and after every one).
import v8 from 'node:v8';

export interface AllocationMessage { alloc: 'start' | 'stop' }

/** In a server child: answers {alloc: 'start'} and {alloc: 'stop'} over IPC. */
export function answerAllocationQueries(): void {
  let profiler: v8.GCProfiler | null = null;
  let usedAtStart = 0;
  process.on('message', (message: Partial<AllocationMessage>) => {
    if (message.alloc === 'start') {
      profiler = new v8.GCProfiler();
      profiler.start();
      usedAtStart = v8.getHeapStatistics().used_heap_size;
      process.send?.({ alloc: 'started' });
    } else if (message.alloc === 'stop' && profiler) {
      const usedAtEnd = v8.getHeapStatistics().used_heap_size;
      const { statistics } = profiler.stop();
      profiler = null;
      let freed = 0;
      for (const gc of statistics) freed += gc.beforeGC.heapStatistics.usedHeapSize - gc.afterGC.heapStatistics.usedHeapSize;
      const pauses = statistics.filter((gc) => gc.gcType === 'Scavenge').map((gc) => gc.cost);
      process.send?.({ alloc: 'stopped', bytes: usedAtEnd - usedAtStart + freed, gcs: statistics.length, scavengeMaxUs: Math.max(0, ...pauses) });
    }
  });
}

export interface Allocated { bytes: number; gcs: number; scavengeMaxUs: number }
