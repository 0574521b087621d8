// Page changes are full navigations: the server serves index.html for each UI route, and a
// fresh page load never carries state (such as the CSRF token) from one page to the next.
export function go(path: string): void {
  window.location.assign(path);
}

export function redirect(path: string): void {
  window.location.replace(path);
}

// HTTP status of the document load itself (Navigation Timing level 2), or 0 when unknown.
export function documentStatus(): number {
  const entry = performance.getEntriesByType('navigation')[0] as
    (PerformanceNavigationTiming & { responseStatus?: number }) | undefined;
  return entry?.responseStatus ?? 0;
}
