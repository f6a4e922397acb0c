import { usePage } from "@inertiajs/react";

// The storefront framed on an organizer's website by the shop widget (/widget/v1/maticko.js)
// is served under /embed/ (storefront/embed.py): its links and forms stay there.
const EMBED_PREFIX = "/embed";

// The message the frame posts to the page that frames it; the widget script reads it.
export const RESIZE_MESSAGE = "maticko:resize";
// Escape pressed in the frame: the widget script closes its overlay.
export const CLOSE_MESSAGE = "maticko:close";

export function useEmbedded(): boolean {
  return usePage().props.embed === true;
}

// A storefront address as this page reaches it: "/events/x/", or "/embed/events/x/" framed.
export function useSitePath(): (path: string) => string {
  const embedded = useEmbedded();
  return (path: string) => (embedded ? `${EMBED_PREFIX}${path}` : path);
}
