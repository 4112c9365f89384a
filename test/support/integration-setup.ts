import { DefaultLogger, Runtime } from '@temporalio/worker';

// Integration tests start servers and run real workflows; their budget is minutes, not jest's default 5 s.
jest.setTimeout(180_000);

// Workers log at WARN in tests so failures stay readable. The runtime is per process; install it once.
try {
  Runtime.install({ logger: new DefaultLogger('WARN') });
} catch {
  // already installed by an earlier test file in this jest worker
}
