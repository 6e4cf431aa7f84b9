import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AsrStatusSchema } from '@lectern/contract';
import { selectEngine } from './selectEngine.ts';
import { PocketSphinxEngine } from './pocketsphinx/PocketSphinxEngine.ts';
import { requireSpeechDeps } from '../../../test/support/speechEngines.ts';

const emptyStore = fs.mkdtempSync(path.join(os.tmpdir(), 'lectern-empty-store-'));
const sphinxPresent = requireSpeechDeps('selectEngine pocketsphinx cases', PocketSphinxEngine.missingModelFiles());

describe('selectEngine', () => {
  it.skipIf(!sphinxPresent)('falls back to pocketsphinx when the sherpa-onnx model is not installed, and says why', async () => {
    const s = await selectEngine({ env: {}, storeDir: emptyStore });
    expect(s.engine).toBe('pocketsphinx');
    expect(s.reason).toMatch(/sherpa-onnx model unavailable: .*not installed.*npm run models.*using pocketsphinx/);
    expect(s.spec).toEqual({ name: 'pocketsphinx', options: undefined });
    expect(AsrStatusSchema.parse({ engine: s.engine, reason: s.reason })).toBeTruthy();
  });

  it('reports none when no engine is available', async () => {
    const s = await selectEngine({ env: {}, storeDir: emptyStore, pocketsphinx: { modelDir: emptyStore } });
    expect(s.engine).toBe('none');
    expect(s.spec).toBeNull();
    expect(s.reason).toMatch(/pocketsphinx model missing.*captions off/);
  });

  it('honours LECTERN_ASR_ENGINE overrides without silent fallback', async () => {
    expect((await selectEngine({ env: { LECTERN_ASR_ENGINE: 'none' }, storeDir: emptyStore })).engine).toBe('none');
    const forcedSherpa = await selectEngine({ env: { LECTERN_ASR_ENGINE: 'sherpa-onnx' }, storeDir: emptyStore });
    expect(forcedSherpa.engine).toBe('none');
    expect(forcedSherpa.reason).toMatch(/^LECTERN_ASR_ENGINE=sherpa-onnx but .*captions off$/);
    const forcedMissingSphinx = await selectEngine({ env: { LECTERN_ASR_ENGINE: 'pocketsphinx' }, storeDir: emptyStore, pocketsphinx: { modelDir: emptyStore } });
    expect(forcedMissingSphinx.engine).toBe('none');
    if (sphinxPresent) {
      const forced = await selectEngine({ env: { LECTERN_ASR_ENGINE: 'pocketsphinx' }, storeDir: emptyStore });
      expect(forced.engine).toBe('pocketsphinx');
      expect(forced.reason).toMatch(/^LECTERN_ASR_ENGINE=pocketsphinx/);
    }
    const bogus = await selectEngine({ env: { LECTERN_ASR_ENGINE: 'whisper' }, storeDir: emptyStore });
    expect(bogus.reason).toMatch(/ignoring unknown LECTERN_ASR_ENGINE=whisper/);
  });

  it('prefers sherpa-onnx when a model with a valid install stamp is present (files not loaded)', async () => {
    const store = fs.mkdtempSync(path.join(os.tmpdir(), 'lectern-fake-store-'));
    const dir = path.join(store, 'sherpa-onnx-streaming-zipformer-en-2023-06-26');
    fs.mkdirSync(dir);
    const files = {
      'encoder-epoch-99-avg-1-chunk-16-left-128.int8.onnx': 'e',
      'decoder-epoch-99-avg-1-chunk-16-left-128.onnx': 'd',
      'joiner-epoch-99-avg-1-chunk-16-left-128.int8.onnx': 'j',
      'tokens.txt': 't',
    };
    const stampFiles: Record<string, { sizeBytes: number; sha256: string }> = {};
    for (const [f, c] of Object.entries(files)) {
      fs.writeFileSync(path.join(dir, f), c);
      stampFiles[f] = { sizeBytes: 1, sha256: 'x'.repeat(64) };
    }
    fs.writeFileSync(path.join(dir, '.lectern-model.json'), JSON.stringify({
      name: 'sherpa-onnx-streaming-zipformer-en-2023-06-26', version: '2023-06-26',
      archiveSha256: '639e25b578e9e997131402199419c13a941f8e4e198e2da1ce57dbf5cf401282', verified: true, installedAt: '', files: stampFiles,
    }));
    const s = await selectEngine({ env: {}, storeDir: store });
    expect(s.engine).toBe('sherpa-onnx');
    expect(s.spec?.name).toBe('sherpa-onnx');
    // The hashes in this fake stamp are wrong: loading must refuse before touching the files.
    const { createEngine } = await import('./selectEngine.ts');
    await expect(createEngine(s.spec!)).rejects.toThrow(/sha256 .* differs from the install stamp/);
    // LECTERN_ASR_ENGINE=pocketsphinx still wins.
    if (sphinxPresent) expect((await selectEngine({ env: { LECTERN_ASR_ENGINE: 'pocketsphinx' }, storeDir: store })).engine).toBe('pocketsphinx');
  });
});
