/*
 * Maticko's shop widget, version 1 (ADR 0032). An organizer's website loads it with
 *   <script src="https://MATICKO/widget/v1/maticko.js" async></script>
 * and marks where the shop goes:
 *   <div class="maticko-widget" data-event="SLUG"></div>          an event's shop, inline
 *   <div class="maticko-widget" data-organizer="SLUG"></div>      the organizer's events
 *   <button class="maticko-button" data-event="SLUG">Buy tickets</button>   in an overlay
 * Optional: data-date="ID" (one date of a series), data-voucher="CODE".
 *
 * Each element gets an iframe of Maticko's embedded pages (/embed/...), which report their
 * height by postMessage; only messages from this script's own origin and from the frame's
 * own window are read. Nothing here needs 'unsafe-inline': elements are created with the
 * DOM and styled through CSSOM properties, so a page whose CSP allows this site in
 * script-src and frame-src is enough. window.MatickoWidget.scan() looks for elements added
 * later (a page that renders its own content).
 */
(() => {
  if (window.MatickoWidget) {
    return;
  }
  var RESIZE = "maticko:resize";
  var CLOSE = "maticko:close";
  var SLUG = /^[-a-zA-Z0-9_]{1,120}$/;
  var ID = /^[0-9]{1,18}$/;
  var VOUCHER = /^[^\u0000-\u001f\u007f]{1,50}$/;
  var MIN_HEIGHT = 120;
  var MAX_HEIGHT = 100000;

  var script = document.currentScript;
  if (!script || !script.src) {
    script = document.querySelector('script[src$="/widget/v1/maticko.js"]');
  }
  if (!script) {
    return;
  }
  var origin = new URL(script.src, window.location.href).origin;
  // The inline frames, for their height messages.
  var inline = [];

  function styled(element, styles) {
    for (var name in styles) {
      element.style.setProperty(name, styles[name]);
    }
    return element;
  }

  function addressOf(element) {
    var event = element.getAttribute("data-event");
    var organizer = element.getAttribute("data-organizer");
    var path;
    if (event && SLUG.test(event)) {
      path = "/embed/events/" + event + "/";
    } else if (organizer && SLUG.test(organizer)) {
      path = "/embed/o/" + organizer + "/";
    } else {
      console.warn("Maticko widget: data-event or data-organizer must name an event or organizer.");
      return null;
    }
    var url = new URL(path, origin);
    var date = element.getAttribute("data-date");
    if (event && date && ID.test(date)) {
      url.searchParams.set("date", date);
    }
    var voucher = element.getAttribute("data-voucher");
    if (event && voucher && VOUCHER.test(voucher)) {
      url.searchParams.set("voucher", voucher);
    }
    return url.href;
  }

  function frame(src, title) {
    var iframe = document.createElement("iframe");
    iframe.src = src;
    iframe.title = title;
    return styled(iframe, {
      display: "block",
      width: "100%",
      border: "0",
      "color-scheme": "light",
    });
  }

  function mountInline(element, src) {
    var iframe = styled(frame(src, element.getAttribute("data-title") || "Tickets"), {
      height: "480px",
      "min-height": MIN_HEIGHT + "px",
      overflow: "hidden",
    });
    element.replaceChildren(iframe);
    inline.push(iframe);
  }

  var overlay = null;

  function closeOverlay() {
    if (!overlay) {
      return;
    }
    var opener = overlay.opener;
    overlay.root.remove();
    document.removeEventListener("keydown", overlay.onKey);
    document.documentElement.style.removeProperty("overflow");
    overlay = null;
    opener.focus();
  }

  function openOverlay(button, src) {
    closeOverlay();
    var root = styled(document.createElement("div"), {
      position: "fixed",
      inset: "0",
      "z-index": "2147483647",
      display: "flex",
      "align-items": "center",
      "justify-content": "center",
      background: "rgba(15, 23, 42, 0.6)",
      padding: "16px",
      "box-sizing": "border-box",
    });
    root.setAttribute("role", "dialog");
    root.setAttribute("aria-modal", "true");
    root.setAttribute("aria-label", button.textContent.trim() || "Tickets");
    var panel = styled(document.createElement("div"), {
      position: "relative",
      width: "100%",
      "max-width": "960px",
      height: "100%",
      "max-height": "900px",
      background: "#f8fafc",
      "border-radius": "12px",
      overflow: "hidden",
      "box-shadow": "0 20px 50px rgba(0, 0, 0, 0.35)",
    });
    var close = styled(document.createElement("button"), {
      position: "absolute",
      top: "8px",
      right: "8px",
      "z-index": "1",
      border: "1px solid #cbd5e1",
      background: "#ffffff",
      color: "#0f172a",
      "border-radius": "8px",
      padding: "6px 12px",
      font: "600 14px/1.2 system-ui, sans-serif",
      cursor: "pointer",
    });
    close.type = "button";
    close.textContent = "Close";
    close.addEventListener("click", closeOverlay);
    var iframe = styled(frame(src, button.getAttribute("data-title") || "Tickets"), {
      height: "100%",
    });
    panel.append(close, iframe);
    root.append(panel);
    root.addEventListener("click", (event) => {
      if (event.target === root) {
        closeOverlay();
      }
    });
    var onKey = (event) => {
      if (event.key === "Escape") {
        closeOverlay();
      }
    };
    document.addEventListener("keydown", onKey);
    document.body.append(root);
    document.documentElement.style.setProperty("overflow", "hidden");
    overlay = { root: root, opener: button, onKey: onKey, frame: iframe };
    iframe.focus();
  }

  function scan() {
    var widgets = document.querySelectorAll(".maticko-widget:not([data-maticko-ready])");
    for (var i = 0; i < widgets.length; i++) {
      var src = addressOf(widgets[i]);
      widgets[i].setAttribute("data-maticko-ready", "");
      if (src) {
        mountInline(widgets[i], src);
      }
    }
    var buttons = document.querySelectorAll(".maticko-button:not([data-maticko-ready])");
    for (var j = 0; j < buttons.length; j++) {
      var button = buttons[j];
      button.setAttribute("data-maticko-ready", "");
      var address = addressOf(button);
      if (address) {
        button.addEventListener(
          "click",
          ((target, url) => (event) => {
            event.preventDefault();
            openOverlay(target, url);
          })(button, address),
        );
      }
    }
  }

  window.addEventListener("message", (event) => {
    var data = event.data;
    if (event.origin !== origin || !data) {
      return;
    }
    if (data.type === CLOSE) {
      if (overlay && overlay.frame.contentWindow === event.source) {
        closeOverlay();
      }
      return;
    }
    if (data.type !== RESIZE) {
      return;
    }
    var height = Number(data.height);
    if (!Number.isFinite(height) || height < 0 || height > MAX_HEIGHT) {
      return;
    }
    for (var i = 0; i < inline.length; i++) {
      if (inline[i].contentWindow === event.source) {
        inline[i].style.setProperty("height", Math.max(MIN_HEIGHT, Math.ceil(height)) + "px");
      }
    }
  });

  window.MatickoWidget = { scan: scan, close: closeOverlay };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", scan);
  } else {
    scan();
  }
})();
