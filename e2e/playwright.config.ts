import { defineConfig } from '@playwright/test';

// Debian's Chromium (never a downloaded browser); the app runs built, behind nginx, one
// fresh stack per spec file (see stack.ts); specs run two at a time, tests within one in order.
export default defineConfig({
  testDir: './tests',
  // A ledger of the run's secrets, and after the run a scan of every log and database for them.
  globalSetup: './global-setup.ts',
  globalTeardown: './global-teardown.ts',
  timeout: 90_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  // Two spec files at a time, each with its own stack: most of a spec's time is spent waiting
  // (argon2, timers, the live socket), so two share two cores well.
  workers: 2,
  retries: 0,
  reporter: [['list'], ['json', { outputFile: process.env.PLAYWRIGHT_JSON_OUTPUT_NAME ?? 'test-results/report.json' }]],
  outputDir: './test-results',
  use: {
    browserName: 'chromium',
    headless: true,
    screenshot: 'only-on-failure',
    // Recording a trace costs about a fifth of the suite's CPU even when it is thrown away; CI
    // keeps only its log, so it records none (E2E_TRACE=retain-on-failure brings it back).
    trace: (process.env.E2E_TRACE ?? (process.env.CI ? 'off' : 'retain-on-failure')) as 'off' | 'on' | 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    },
  },
});
