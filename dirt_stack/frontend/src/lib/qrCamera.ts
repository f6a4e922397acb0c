// The camera as a QR reader (zxing), for the scanner pages. A code is answered once when it
// comes into view: the camera sees it many times a second, and it is answered again only
// after it has been out of view for LEAVE_MS (a ticket held up a second time).

import type { IScannerControls } from "@zxing/browser";
import { type RefObject, useEffect, useRef } from "react";

export const LEAVE_MS = 1500;

export function useQrCamera(
  video: RefObject<HTMLVideoElement | null>,
  enabled: boolean,
  onCode: (text: string) => void,
  onFailure: () => void,
): void {
  const seen = useRef({ text: "", at: 0 });
  const handler = useRef(onCode);
  handler.current = onCode;
  useEffect(() => {
    if (!enabled || !video.current) {
      return;
    }
    let controls: IScannerControls | undefined;
    let cancelled = false;
    import("@zxing/browser").then(async ({ BrowserQRCodeReader }) => {
      const reader = new BrowserQRCodeReader();
      try {
        controls = await reader.decodeFromVideoDevice(
          undefined,
          video.current ?? undefined,
          (scanned) => {
            if (!scanned) {
              return;
            }
            const text = scanned.getText();
            const now = Date.now();
            const stillInView = text === seen.current.text && now - seen.current.at < LEAVE_MS;
            seen.current = { text, at: now };
            if (!stillInView) {
              handler.current(text);
            }
          },
        );
        if (cancelled) {
          controls.stop();
        }
      } catch {
        onFailure();
      }
    });
    return () => {
      cancelled = true;
      controls?.stop();
    };
  }, [enabled, video, onFailure]);
}
