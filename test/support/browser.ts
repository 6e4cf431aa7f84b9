import fs from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/**
 * The one place that launches Chromium for end-to-end tests, benches and the web scripts
 * (`web/scripts/*.mjs` import this file; Node 24 strips the types).
 *
 * Browser binary: `CHROMIUM_PATH` (default `/usr/bin/chromium`, Debian's apt package `chromium`;
 * `npx playwright install` cannot work offline). The web scripts' former `CHROMIUM` variable was
 * undocumented and is no longer read.
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** Options of {@link launchChromium}. */
export interface ChromiumOptions {
  /** WAV file played as the fake microphone (Chromium loops it). */
  audioFile?: string;
  /** Y4M/MJPEG file played as the fake camera; default: Chromium's synthetic pattern. */
  videoFile?: string;
  /**
   * Fake media devices: `allow` (default) = fake camera + microphone and camera/microphone
   * permission granted without a prompt; `deny` = fake devices but no auto-grant, so headless
   * Chromium denies getUserMedia (NotAllowedError); `none` = no fake devices (NotFoundError).
   */
  media?: 'allow' | 'deny' | 'none';
}

/** Flags of every launch (no sandbox for root in containers, no background traffic, WebRTC on loopback). */
export const CHROMIUM_FLAGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-features=WebRtcHideLocalIpsWithMdns',
  '--allow-loopback-in-peer-connection',
  '--autoplay-policy=no-user-gesture-required',
];

/**
 * Command-line flags for {@link launchChromium} (exported for tests of the flag set).
 * @returns {@link CHROMIUM_FLAGS} plus the fake-media flags of `opts`.
 */
export function chromiumArgs(opts: ChromiumOptions = {}): string[] {
  const media = opts.media ?? 'allow';
  const args = [...CHROMIUM_FLAGS];
  if (media === 'allow') args.push('--use-fake-ui-for-media-stream');
  if (media !== 'none') args.push('--use-fake-device-for-media-stream');
  if (opts.audioFile) args.push(`--use-file-for-fake-audio-capture=${opts.audioFile}`);
  if (opts.videoFile) args.push(`--use-file-for-fake-video-capture=${opts.videoFile}`);
  return args;
}

/**
 * Launches headless Debian Chromium with fake media devices, for end-to-end tests, load clients
 * and the web scripts. Keeps WebRTC on loopback: the server only offers 127.0.0.1 candidates, and
 * mDNS host-candidate obfuscation (which multicasts on the LAN) is disabled.
 * @throws Error with an install hint if Chromium is missing.
 */
export async function launchChromium(opts: ChromiumOptions = {}): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM_PATH))
    throw new Error(`Chromium not found at ${CHROMIUM_PATH}: apt-get install chromium (or set CHROMIUM_PATH)`);
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: chromiumArgs(opts) });
}
