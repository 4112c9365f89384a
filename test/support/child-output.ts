/** Waiting on what a child process prints. */
import type { ChildProcess } from 'node:child_process';

interface Transcript {
  text: string;
  /** Where the next wait starts looking: output before it was matched by an earlier wait. */
  consumed: number;
  exited: boolean;
  listeners: Set<() => void>;
}

const transcripts = new WeakMap<ChildProcess, Transcript>();

/** All of a child's stdout, recorded from the first wait on, so lines printed in one chunk are never lost. */
function transcriptOf(child: ChildProcess): Transcript {
  let transcript = transcripts.get(child);
  if (!transcript) {
    const created: Transcript = { text: '', consumed: 0, exited: false, listeners: new Set() };
    child.stdout!.on('data', (chunk: Buffer) => {
      created.text += chunk.toString();
      for (const notify of created.listeners) notify();
    });
    child.once('exit', () => {
      created.exited = true;
      for (const notify of created.listeners) notify();
    });
    transcripts.set(child, created);
    transcript = created;
  }
  return transcript;
}

/**
 * Resolves with the first match of `pattern` in the child's stdout after what earlier waits matched; rejects on
 * timeout or exit (with the output).
 */
export function waitForLine(child: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
  const transcript = transcriptOf(child);
  return new Promise((resolve, reject) => {
    const finish = (done: () => void) => {
      clearTimeout(timer);
      transcript.listeners.delete(check);
      done();
    };
    const check = () => {
      const rest = transcript.text.slice(transcript.consumed);
      const match = rest.match(pattern);
      if (match) {
        transcript.consumed += (match.index ?? 0) + match[0].length;
        finish(() => resolve(match));
      } else if (transcript.exited || child.exitCode !== null) {
        finish(() => reject(new Error(`process exited with ${child.exitCode} before ${pattern}:\n${transcript.text}`)));
      }
    };
    const timer = setTimeout(
      () => finish(() => reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms:\n${transcript.text}`))),
      timeoutMs,
    );
    transcript.listeners.add(check);
    check();
  });
}
