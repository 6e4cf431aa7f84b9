import { describe, expect, it, vi } from 'vitest';
import { parseCliArgs } from './cli.ts';

describe('parseCliArgs', () => {
  it('parses flags with defaults', () => {
    const { values } = parseCliArgs({ args: ['--rooms', '3'], options: { rooms: { type: 'string', default: '1' }, video: { type: 'boolean', default: false } } }, 'x [--rooms N]');
    expect(values).toEqual({ rooms: '3', video: false });
  });

  it('exits 2 with the message and the usage line on an unknown flag', () => {
    const exit = vi.spyOn(process, 'exit').mockImplementation(((code: number) => {
      throw new Error(`exit ${code}`);
    }) as never);
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(() => parseCliArgs({ args: ['--room', '3'], options: { rooms: { type: 'string' } } }, 'bench [--rooms N]')).toThrow('exit 2');
      const text = String(err.mock.calls[0]![0]);
      expect(text).toMatch(/Unknown option '--room'/);
      expect(text).toMatch(/\nusage: bench \[--rooms N\]\n$/);
    } finally {
      exit.mockRestore();
      err.mockRestore();
    }
  });
});
