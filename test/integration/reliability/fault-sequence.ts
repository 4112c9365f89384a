/** One-shot faults applied one after another while a run is going on. */
import type { Emulators } from '../../../emulators';
import type { FaultRules } from '../../../emulators/common/faults';

const ONE_SHOT_RULES = ['throttleNext', 'failNextWrites', 'malformedNext', 'expireNextTokens'] as const;
/**
 * Requests the services must receive after one one-shot fault is used up before the next is applied, so the next
 * fault hits a later request of the run instead of the retry of the request that just failed (which, waiting in
 * Temporal's backoff, would otherwise eat every fault of the sequence in turn).
 */
export const ONE_SHOT_SPACING_REQUESTS = 3;
const POLL_MS = 20;

/** Applies `rules` one after another on both services, each once the previous one-shot rules are used up. */
export function applyInTurn({ dataverse, fno }: Emulators, rules: FaultRules[]): () => void {
  const pending = (rules: Readonly<FaultRules>) => ONE_SHOT_RULES.some((name) => rules[name] !== undefined);
  const received = () => dataverse.stats().requests + fno.stats().requests;
  let next = 0;
  let usedUpAt: number | undefined;
  const timer = setInterval(() => {
    if (next >= rules.length) return clearInterval(timer);
    if (pending(dataverse.faults.current()) || pending(fno.faults.current())) return;
    usedUpAt ??= received();
    if (received() - usedUpAt < ONE_SHOT_SPACING_REQUESTS) return;
    for (const emulator of [dataverse, fno]) {
      emulator.faults.configure({ ...emulator.faults.current(), ...structuredClone(rules[next]) });
    }
    next += 1;
    usedUpAt = undefined;
  }, POLL_MS);
  return () => clearInterval(timer);
}
