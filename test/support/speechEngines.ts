/**
 * Whether what a speech test needs (an engine, its model, test data, a tool) is on this machine.
 * When something is missing the test skips with the reason printed, except under `CI=true`: CI's
 * setup installs PocketSphinx, its English model, pocketsphinx-testdata and sox, so there a missing
 * one means a broken machine, and this throws, failing the test file instead of skipping it.
 * (The sherpa-onnx model cannot be downloaded on CI, so its test does not use this: it skips
 * everywhere when the model is absent, saying why.)
 * @param what the suite, for the message (e.g. "PocketSphinx engine tests").
 * @param missing what is missing (paths, packages); empty when everything is there.
 * @returns true when nothing is missing.
 * @throws Error under `CI=true` when something is missing.
 */
export function requireSpeechDeps(what: string, missing: readonly string[]): boolean {
  if (missing.length === 0) return true;
  const reason = `${what} need ${missing.join(', ')} (Debian packages pocketsphinx, pocketsphinx-en-us, pocketsphinx-testdata, sox; run setup)`;
  if (process.env.CI === 'true') throw new Error(`${reason}; CI=true, so this fails instead of skipping`);
  console.warn(`skipping ${reason}`);
  return false;
}

