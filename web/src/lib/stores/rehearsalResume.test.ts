import { describe, expect, it } from 'vitest';
import { clearRehearsal, RESUME_KEY, RESUME_WINDOW_MS, resumableRehearsal, saveRehearsal } from './rehearsalResume.ts';

function memoryStorage(): Storage & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return {
    data,
    get length() {
      return data.size;
    },
    clear: () => data.clear(),
    key: (i) => [...data.keys()][i] ?? null,
    getItem: (k) => data.get(k) ?? null,
    setItem: (k, v) => void data.set(k, v),
    removeItem: (k) => void data.delete(k),
  };
}

describe('rehearsalResume', () => {
  it('resumes a rehearsal seen live within the window, for its own room only', () => {
    const s = memoryStorage();
    saveRehearsal(s, { roomId: 'pitch', video: false }, 1_000_000);
    expect(resumableRehearsal(s, 'pitch', 1_000_000 + RESUME_WINDOW_MS - 1)).toEqual({ roomId: 'pitch', video: false, liveAtMs: 1_000_000 });
    expect(resumableRehearsal(s, null, 1_010_000)?.roomId).toBe('pitch');
    expect(resumableRehearsal(s, 'other-room', 1_010_000)).toBeNull();
  });

  it('does not resume after the window, after Stop, or from a clock that went back', () => {
    const s = memoryStorage();
    saveRehearsal(s, { roomId: 'pitch', video: true }, 1_000_000);
    expect(resumableRehearsal(s, 'pitch', 1_000_000 + RESUME_WINDOW_MS + 1)).toBeNull();
    expect(resumableRehearsal(s, 'pitch', 999_000)).toBeNull();
    clearRehearsal(s);
    expect(resumableRehearsal(s, 'pitch', 1_000_001)).toBeNull();
  });

  it('drops malformed entries instead of throwing', () => {
    const s = memoryStorage();
    s.setItem(RESUME_KEY, '{not json');
    expect(resumableRehearsal(s, 'pitch')).toBeNull();
    expect(s.data.has(RESUME_KEY)).toBe(false);
    s.setItem(RESUME_KEY, JSON.stringify({ roomId: 3, liveAtMs: 'x' }));
    expect(resumableRehearsal(s, 'pitch')).toBeNull();
    expect(s.data.has(RESUME_KEY)).toBe(false);
  });

  it('survives a storage that throws (private mode)', () => {
    const broken = { getItem: () => { throw new Error('denied'); }, setItem: () => { throw new Error('full'); }, removeItem: () => { throw new Error('denied'); } };
    expect(() => saveRehearsal(broken, { roomId: 'pitch', video: true })).not.toThrow();
    expect(resumableRehearsal(broken, 'pitch')).toBeNull();
    expect(() => clearRehearsal(broken)).not.toThrow();
  });
});
