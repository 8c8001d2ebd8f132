/**
 * The Content-Security-Policy of the renderer, shared by the browser host (HTTP header) and the
 * Electron shell (response header on the app protocol), so both runtimes enforce the same rules:
 * no inline or remote script, no remote content at all, workers only from blobs (MapLibre).
 */
export function contentSecurityPolicy(options: { connect?: string[] } = {}): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    // MapLibre and React set style attributes; no stylesheet is loaded from elsewhere.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "worker-src 'self' blob:",
    "child-src 'self' blob:",
    `connect-src 'self' ${(options.connect ?? []).join(' ')}`.trim(),
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
