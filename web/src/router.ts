// Client-side routes over the History API: "/", "/overview", "/incidents/{id}".
// wardsoc answers each of these paths with the same index.html.
import { useEffect, useState } from 'preact/hooks';

export type Route = { name: 'list' } | { name: 'overview' } | { name: 'incident'; id: string } | { name: 'missing' };

export function parseRoute(pathname: string): Route {
  if (pathname === '/' || pathname === '') return { name: 'list' };
  if (pathname === '/overview') return { name: 'overview' };
  const m = /^\/incidents\/([0-9a-f]{1,64})$/.exec(pathname);
  if (m) return { name: 'incident', id: m[1] };
  return { name: 'missing' };
}

const listeners = new Set<() => void>();

export function navigate(href: string, replace = false): void {
  if (replace) history.replaceState(null, '', href);
  else history.pushState(null, '', href);
  listeners.forEach((l) => l());
}

export function useLocation(): { pathname: string; search: string } {
  const [loc, setLoc] = useState({ pathname: location.pathname, search: location.search });
  useEffect(() => {
    const update = () => setLoc({ pathname: location.pathname, search: location.search });
    listeners.add(update);
    window.addEventListener('popstate', update);
    return () => {
      listeners.delete(update);
      window.removeEventListener('popstate', update);
    };
  }, []);
  return loc;
}

// For <a href onClick={follow}>: a plain click stays in the page, a ctrl/middle click
// opens a tab as usual.
export function follow(e: MouseEvent): void {
  const a = e.currentTarget as HTMLAnchorElement;
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  e.preventDefault();
  navigate(a.getAttribute('href') ?? '/');
  window.scrollTo(0, 0);
}
