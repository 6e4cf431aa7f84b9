// archiver 8 ships no types (and @types/archiver describes v6's default export): the part used here.
declare module 'archiver' {
  import type { Readable, Transform } from 'node:stream';
  export class ZipArchive extends Transform {
    constructor(options?: { zlib?: { level?: number } });
    append(source: Buffer | string | Readable, data: { name: string }): this;
    finalize(): Promise<void>;
  }
}
