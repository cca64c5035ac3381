import { type Browser, chromium } from 'playwright-core';

/**
 * A real headless Chromium (Debian's package; .ci/run installs it) for tests of the public
 * pages. Flags as the machine needs them: no sandbox (root in CI), and no background
 * networking, which this machine's closed network would refuse anyway.
 */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
