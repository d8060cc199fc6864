/** A tenant with queued runs, as dispatch sees it. */
export interface DispatchCandidate {
  readonly tenantId: string;
  /** Its fair-share position: lower is served first. */
  readonly virtualTime: number;
  readonly weight: number;
  /** Runs it may still start: its concurrency limit minus its runs in flight. */
  readonly allowance: number;
  /** Runs it has queued (some may not be due yet). */
  readonly queued: number;
}

/**
 * Hands out `capacity` dispatch slots by start-time fair queueing: the tenant with the lowest
 * virtual time gets the next slot, which advances its time by 1 / weight. Equal weights give
 * round-robin; a tenant of weight 4 gets four slots for every one of a weight-1 tenant while both
 * have work. Work-conserving: slots go unused only when no tenant may take them.
 */
export function allocateSlots(candidates: readonly DispatchCandidate[], capacity: number): Map<string, number> {
  const slots = new Map<string, number>();
  const open = candidates
    .filter((candidate) => candidate.allowance > 0 && candidate.queued > 0 && candidate.weight > 0)
    .map((candidate) => ({ ...candidate, left: Math.min(candidate.allowance, candidate.queued) }));
  for (let remaining = capacity; remaining > 0 && open.length > 0; remaining -= 1) {
    let next = 0;
    for (let index = 1; index < open.length; index += 1) {
      if (open[index].virtualTime < open[next].virtualTime) next = index;
    }
    const chosen = open[next];
    slots.set(chosen.tenantId, (slots.get(chosen.tenantId) ?? 0) + 1);
    chosen.virtualTime += 1 / chosen.weight;
    chosen.left -= 1;
    if (chosen.left === 0) open.splice(next, 1);
  }
  return slots;
}
