// File-system failures of storage calls as errors that name the path and say what went wrong.

const REASONS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOTDIR: 'a parent is not a directory',
  EISDIR: 'is a directory',
  ENOSPC: 'no space left on the device',
  EEXIST: 'already exists',
};

/** `cause` (an fs error) as an Error naming `path`; other errors pass through. */
export function storageError(path: string, cause: unknown): Error {
  const code = (cause as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code in REASONS) {
    const err = new Error(`${path}: ${REASONS[code]} (${code})`, { cause });
    (err as Error & { code: string }).code = code;
    return err;
  }
  return cause instanceof Error ? cause : new Error(`${path}: ${String(cause)}`);
}
