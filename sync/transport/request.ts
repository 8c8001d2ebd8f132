/**
 * Reading what a stranger sends without trusting it: the request target (which may not even be a
 * URL, or may hold percent-escapes that do not decode: `/%E0%A4%A` once took the browser host
 * down with a URIError) and the body (read up to a limit, never buffered past it).
 */
import type http from 'node:http';

export type Target = { ok: true; url: URL; pathname: string } | { ok: false; message: string };

/** The request target, parsed and percent-decoded; a clear refusal instead of an exception. */
export function parseTarget(rawUrl: string | undefined): Target {
  let url: URL;
  try {
    url = new URL(rawUrl ?? '/', 'http://localhost');
  } catch {
    return { ok: false, message: 'malformed request target: not a URL path' };
  }
  try {
    return { ok: true, url, pathname: decodeURIComponent(url.pathname) };
  } catch {
    return { ok: false, message: `malformed percent-encoding in the path ${JSON.stringify(url.pathname.slice(0, 200))}` };
  }
}

export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`the request body is larger than ${limit} bytes: refused`);
  }
}

/**
 * The whole body, at most `limit` bytes. A Content-Length over the limit is refused before a byte
 * is read; a body that grows past it (chunked, or lying about its length) is refused as soon as it
 * does, and the rest is not buffered.
 */
export function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(new BodyTooLargeError(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        // Stop reading: the rest of the body is not wanted, and the answer says why.
        req.pause();
        reject(new BodyTooLargeError(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}
