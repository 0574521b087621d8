import { useEffect, useState } from 'preact/hooks';

interface Props {
  sessionId: string;
  // Whether to ask at all: the session is open and its guest connected.
  live: boolean;
  guestOnline: boolean;
}

const REFRESH_MS = 5000;

export const thumbnailUrl = (sessionId: string, at: number) =>
  `/api/v1/sessions/${encodeURIComponent(sessionId)}/thumbnail?t=${at}`;

// The small live picture of the guest's screen (GET /api/v1/sessions/{id}/thumbnail), fetched
// again every 5 s while the page is visible. Each picture loads off-screen first, so the shown
// one changes only when the next is ready; a 404 (none yet, no consent, guest gone) shows the
// placeholder instead.
export function Thumbnail({ sessionId, live, guestOnline }: Props) {
  const [src, setSrc] = useState<string | null>(null);

  useEffect(() => {
    setSrc(null);
    if (!live) return undefined;
    let stopped = false;
    let probe: HTMLImageElement | null = null;
    const load = () => {
      if (stopped || document.visibilityState === 'hidden') return;
      const url = thumbnailUrl(sessionId, Date.now());
      const img = new Image();
      probe = img;
      img.onload = () => { if (!stopped && probe === img) setSrc(url); };
      img.onerror = () => { if (!stopped && probe === img) setSrc(null); };
      img.src = url;
    };
    load();
    const timer = window.setInterval(load, REFRESH_MS);
    return () => {
      stopped = true;
      window.clearInterval(timer);
    };
  }, [sessionId, live]);

  if (src) {
    return (
      <div class="thumbnail has-picture">
        <img src={src} alt="Thumbnail of the guest's screen" />
      </div>
    );
  }
  return (
    <div class="thumbnail" role="img" aria-label="Screen thumbnail (none available)">
      <span>{guestOnline ? 'Guest connected — a thumbnail appears once the guest shares the screen' : 'No guest connected'}</span>
    </div>
  );
}
