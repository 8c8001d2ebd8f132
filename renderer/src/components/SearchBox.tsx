/**
 * Header search over organizations, sites and flows (the `search` procedure, full-text, prefix
 * matching). Debounced; results grouped by kind; arrow keys + Enter choose; Esc closes.
 */
import { useQuery } from '@tanstack/react-query';
import { forwardRef, useEffect, useImperativeHandle, useMemo, useRef, useState, type ReactNode } from 'react';
import { apiProblem, client, type SearchHit } from '../api.ts';

export interface SearchBoxHandle {
  focus(): void;
}

const KIND_LABEL: Record<SearchHit['kind'], string> = { site: 'Sites', organization: 'Organizations', flow: 'Flows' };
const KIND_ORDER: SearchHit['kind'][] = ['site', 'organization', 'flow'];

function useDebounced<T>(value: T, ms: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return debounced;
}

/** The server marks matches with [ and ] in snippets. */
function highlighted(snippet: string): ReactNode[] {
  return snippet.split(/(\[[^\]]*\])/).map((part, i) =>
    part.startsWith('[') && part.endsWith(']') ? <mark key={i}>{part.slice(1, -1)}</mark> : <span key={i}>{part}</span>,
  );
}

export const SearchBox = forwardRef<SearchBoxHandle, { onChoose(hit: SearchHit): void }>(function SearchBox({ onChoose }, ref) {
  const input = useRef<HTMLInputElement>(null);
  const [text, setText] = useState('');
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const query = useDebounced(text.trim(), 200);
  useImperativeHandle(ref, () => ({ focus: () => (input.current?.focus(), input.current?.select()) }), []);

  const results = useQuery({
    queryKey: ['search', query],
    queryFn: () => client.search.query({ query, limit: 30 }),
    enabled: query.length >= 2,
    placeholderData: (previous) => previous,
  });

  const groups = useMemo(() => {
    const hits = results.data ?? [];
    return KIND_ORDER.map((kind) => ({ kind, hits: hits.filter((h) => h.kind === kind) })).filter((g) => g.hits.length > 0);
  }, [results.data]);
  const flat = useMemo(() => groups.flatMap((g) => g.hits), [groups]);

  useEffect(() => setActive(0), [results.data]);

  const choose = (hit: SearchHit | undefined) => {
    if (!hit) return;
    onChoose(hit);
    setOpen(false);
    input.current?.blur();
  };

  const showPanel = open && text.trim().length >= 2;
  const waiting = text.trim() !== query || results.isFetching;

  return (
    <div className="search" role="search">
      <input
        ref={input}
        type="search"
        placeholder="Search sites, organizations, flows…"
        aria-label="Search"
        data-testid="search-input"
        value={text}
        onChange={(e) => {
          setText(e.target.value);
          setOpen(true);
        }}
        onFocus={() => setOpen(true)}
        onBlur={() => setTimeout(() => setOpen(false), 150)}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown') {
            e.preventDefault();
            setActive((i) => Math.min(i + 1, flat.length - 1));
          } else if (e.key === 'ArrowUp') {
            e.preventDefault();
            setActive((i) => Math.max(i - 1, 0));
          } else if (e.key === 'Enter') {
            e.preventDefault();
            choose(flat[active]);
          } else if (e.key === 'Escape') {
            // Close the results first; the detail panel closes on the next Esc.
            e.preventDefault();
            if (showPanel) setOpen(false);
            else input.current?.blur();
          }
        }}
      />
      <kbd className="search-key" aria-hidden="true">
        /
      </kbd>
      {showPanel && (
        <div className="search-results" data-testid="search-results" role="listbox">
          {results.error ? (
            <div className="search-empty error">{apiProblem(results.error).message}</div>
          ) : flat.length === 0 ? (
            <div className="search-empty">{waiting ? 'Searching…' : `Nothing found for “${query}”.`}</div>
          ) : (
            groups.map((group) => (
              <div key={group.kind} className="search-group">
                <div className="search-group-title">
                  {KIND_LABEL[group.kind]} <span className="muted">{group.hits.length}</span>
                </div>
                {group.hits.map((hit) => {
                  const index = flat.indexOf(hit);
                  return (
                    <button
                      type="button"
                      key={`${hit.kind}:${hit.id}`}
                      role="option"
                      aria-selected={index === active}
                      className={`search-hit ${index === active ? 'active' : ''}`}
                      data-testid="search-hit"
                      data-kind={hit.kind}
                      data-id={hit.id}
                      disabled={!hit.site_id}
                      onMouseDown={(e) => e.preventDefault()}
                      onMouseEnter={() => setActive(index)}
                      onClick={() => choose(hit)}
                    >
                      <span className="hit-title">{hit.title}</span>
                      {hit.snippet && <span className="hit-snippet">{highlighted(hit.snippet)}</span>}
                      {!hit.site_id && <span className="hit-snippet muted">no site on the map</span>}
                    </button>
                  );
                })}
              </div>
            ))
          )}
        </div>
      )}
    </div>
  );
});
