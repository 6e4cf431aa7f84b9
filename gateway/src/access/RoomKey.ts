/**
 * Room names are per organization: the SFU, the analyzers and the metric bus know a room by its
 * key `<orgId>:<roomName>`, so room "demo" of one organization never meets "demo" of another.
 * Room names match the contract's `RoomIdSchema` (no `:`), organization ids are UUIDs.
 */

/** The SFU room key of `roomName` in organization `orgId`. */
export function roomKey(orgId: string, roomName: string): string {
  return `${orgId}:${roomName}`;
}

/**
 * Splits a room key. A key without `:` (rooms made before organizations existed, unit tests of
 * the SFU) belongs to org `local`.
 * @returns `{ orgId, roomName }`.
 */
export function parseRoomKey(key: string): { orgId: string; roomName: string } {
  const i = key.indexOf(':');
  return i < 0 ? { orgId: 'local', roomName: key } : { orgId: key.slice(0, i), roomName: key.slice(i + 1) };
}
