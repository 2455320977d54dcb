// Runs a task over many items with at most `limit` in flight: how the benchmark and the fault
// suite create pairs and post answers at a fixed concurrency.
export async function inLanes<T>(items: T[], limit: number, task: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      await task(items[index], index);
    }
  });
  await Promise.all(lanes);
}
