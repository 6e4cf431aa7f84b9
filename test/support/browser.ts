import fs from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/** Debian's Chromium (apt package `chromium`); `npx playwright install` cannot work offline. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** Options of {@link launchChromium}. */
export interface ChromiumOptions {
  /** WAV file played as the fake microphone (Chromium loops it). */
  audioFile?: string;
  /** Y4M/MJPEG file played as the fake camera; default: Chromium's synthetic pattern. */
  videoFile?: string;
}

/**
 * Launches headless Debian Chromium with fake media devices, for end-to-end tests and load clients.
 * Keeps WebRTC on loopback: the server only offers 127.0.0.1 candidates, and mDNS host-candidate
 * obfuscation (which multicasts on the LAN) is disabled.
 * @throws Error with an install hint if Chromium is missing.
 */
export async function launchChromium(opts: ChromiumOptions = {}): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM_PATH))
    throw new Error(`Chromium not found at ${CHROMIUM_PATH}: apt-get install chromium (or set CHROMIUM_PATH)`);
  const args = [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-features=WebRtcHideLocalIpsWithMdns',
    '--use-fake-ui-for-media-stream',
    '--use-fake-device-for-media-stream',
    '--allow-loopback-in-peer-connection',
    '--autoplay-policy=no-user-gesture-required',
  ];
  if (opts.audioFile) args.push(`--use-file-for-fake-audio-capture=${opts.audioFile}`);
  if (opts.videoFile) args.push(`--use-file-for-fake-video-capture=${opts.videoFile}`);
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args });
}
