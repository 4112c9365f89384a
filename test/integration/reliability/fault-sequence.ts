/** One-shot faults applied one after another while a run is going on. */
import type { Emulators } from '../../../emulators';
import type { FaultRules } from '../../../emulators/common/faults';

const ONE_SHOT_RULES = ['throttleNext', 'failNextWrites', 'malformedNext', 'expireNextTokens'] as const;
/** Apart by this much, two one-shot faults never hit the same request and its immediate retry. */
const ONE_SHOT_SPACING_MS = 500;

/** Applies `rules` one after another on both services, each once the previous one-shot rules are used up. */
export function applyInTurn({ dataverse, fno }: Emulators, rules: FaultRules[]): () => void {
  const pending = (rules: Readonly<FaultRules>) => ONE_SHOT_RULES.some((name) => rules[name] !== undefined);
  let next = 0;
  let usedUpAt: number | undefined;
  const timer = setInterval(() => {
    if (next >= rules.length) return clearInterval(timer);
    if (pending(dataverse.faults.current()) || pending(fno.faults.current())) return;
    usedUpAt ??= Date.now();
    if (Date.now() - usedUpAt < ONE_SHOT_SPACING_MS) return;
    for (const emulator of [dataverse, fno]) {
      emulator.faults.configure({ ...emulator.faults.current(), ...structuredClone(rules[next]) });
    }
    next += 1;
    usedUpAt = undefined;
  }, 20);
  return () => clearInterval(timer);
}
