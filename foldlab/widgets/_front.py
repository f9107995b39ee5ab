"""The two pieces of a widget that run in the browser (anywidget): a picture that answers the pointer,
and the toolbar that copies the settings and downloads the figure.

Why anywidget and not ipympl: a FigureView already renders its figure to PNG in the kernel, which is
what keeps a widget testable without a browser and identical in JupyterLab, Voila and Binder. The
pointer only needs where the user clicked or hovered, so a few lines of JavaScript over that same PNG
report the pixel, and the kernel maps it to data through the figure's own transforms. ipympl would
swap the PNG for its own interactive canvas (a toolbar, a resize handle and a full redraw on the kernel
at every pointer move, with the frame no longer reusable), and it needs ``%matplotlib widget``
or pyplot's figure managers, which a FigureView avoids. anywidget ships its JupyterLab extension
in its wheel (and on conda-forge), needs no build step, and works in Voila.
"""

from __future__ import annotations

from collections.abc import Callable

import anywidget
import traitlets

__all__ = ["FigureImage", "Toolbar"]

_IMAGE_ESM = r"""
const SVG = "http://www.w3.org/2000/svg";

function render({ model, el }) {
  const box = document.createElement("div");
  box.className = "foldlab-figure";
  box.style.position = "relative";
  box.style.display = "inline-block";
  box.style.lineHeight = "0";
  const img = document.createElement("img");
  img.draggable = false;
  img.style.display = "block";
  img.style.maxWidth = "100%";
  img.style.cursor = "crosshair";
  const svg = document.createElementNS(SVG, "svg");
  Object.assign(svg.style, { position: "absolute", left: "0", top: "0", width: "100%", height: "100%",
                             pointerEvents: "none" });
  const outline = document.createElementNS(SVG, "polygon");
  outline.setAttribute("fill", "rgba(255, 255, 255, 0.25)");
  outline.setAttribute("stroke", "black");
  outline.setAttribute("stroke-width", "2");
  svg.appendChild(outline);
  box.append(img, svg);
  el.appendChild(box);

  let url = null;
  function show() {
    const width = model.get("width"), height = model.get("height");
    const next = URL.createObjectURL(new Blob([model.get("value")], { type: "image/png" }));
    img.src = next;
    if (url) URL.revokeObjectURL(url);
    url = next;
    img.style.width = width + "px";
    svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  }
  function highlight() {
    outline.setAttribute("points", model.get("highlight").map((p) => p.join(",")).join(" "));
  }
  model.on("change:value", show);
  model.on("change:highlight", highlight);
  show();
  highlight();

  // pixel of the PNG under the pointer, whatever size the page shows it at
  function at(event) {
    const r = img.getBoundingClientRect();
    return { x: (event.clientX - r.left) * model.get("width") / r.width,
             y: (event.clientY - r.top) * model.get("height") / r.height };
  }
  img.addEventListener("click", (event) => model.send({ event: "click", ...at(event) }));
  // one hover message in flight at a time: the kernel answers each, the latest position waits
  let pending = false, waiting = null, timer = null;
  function move(point) {
    if (pending) { waiting = point; return; }
    pending = true;
    model.send({ event: "move", ...point });
    timer = setTimeout(done, 1000);  // a busy kernel: do not wait for ever
  }
  function done() {
    clearTimeout(timer);
    pending = false;
    if (waiting) { const next = waiting; waiting = null; move(next); }
  }
  model.on("msg:custom", (msg) => { if (msg && msg.event === "moved") done(); });
  img.addEventListener("mousemove", (event) => move(at(event)));
  img.addEventListener("mouseleave", () => { waiting = null; model.send({ event: "leave" }); });
  return () => { if (url) URL.revokeObjectURL(url); clearTimeout(timer); };
}
export default { render };
"""

_TOOLBAR_ESM = r"""
function button(text, title) {
  const b = document.createElement("button");
  b.className = "jupyter-widgets jupyter-button widget-button";
  b.textContent = text;
  b.title = title;
  b.style.width = "auto";
  b.style.padding = "0 8px";
  return b;
}

function render({ model, el }) {
  const row = document.createElement("div");
  row.className = "foldlab-toolbar";
  Object.assign(row.style, { display: "flex", flexWrap: "wrap", alignItems: "center", gap: "4px",
                             fontSize: "12px" });
  const copy = button("copy settings", "Copy this widget's settings: flw.from_preset(...) opens it again");
  const png = button("PNG", "Download the figure as PNG");
  const svg = button("SVG", "Download the figure as SVG");
  const text = document.createElement("code");
  Object.assign(text.style, { userSelect: "all", color: "var(--jp-ui-font-color2, #666)", whiteSpace: "normal",
                              wordBreak: "break-all" });
  const said = document.createElement("span");
  row.append(copy, png, svg, text, said);
  el.appendChild(row);
  const show = () => { text.textContent = model.get("preset"); };
  model.on("change:preset", show);
  show();
  function say(message) { said.textContent = message; setTimeout(() => { said.textContent = ""; }, 2000); }
  copy.addEventListener("click", async () => {
    try { await navigator.clipboard.writeText(model.get("preset")); say("copied"); }
    catch (error) {  // no clipboard (a page that is not served securely): select the text to copy by hand
      const range = document.createRange();
      range.selectNodeContents(text);
      const selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      say("selected: press Ctrl+C");
    }
  });
  png.addEventListener("click", () => model.send({ export: "png" }));
  svg.addEventListener("click", () => model.send({ export: "svg" }));
  model.on("msg:custom", (msg, buffers) => {
    if (!msg || !msg.download) return;
    const url = URL.createObjectURL(new Blob([buffers[0]], { type: msg.mime }));
    const a = document.createElement("a");
    a.href = url;
    a.download = msg.download;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  });
}
export default { render };
"""

#: Media types of the formats a figure exports to.
MIME = {"png": "image/png", "svg": "image/svg+xml"}


class FigureImage(anywidget.AnyWidget):
    """A PNG that reports clicks and pointer moves (in the PNG's pixels) and outlines a polygon.

    ``value`` is the PNG (as ``ipywidgets.Image.value``); ``width`` and ``height`` its size in pixels;
    ``highlight`` a polygon ``[[x, y], ...]`` in those pixels drawn over it (empty: none). The kernel
    gets ``{"event": "click" | "move" | "leave", "x": ..., "y": ...}`` through :meth:`on_pointer` and
    answers each move with ``{"event": "moved"}`` so that at most one move is in flight.
    """

    _esm = _IMAGE_ESM
    value = traitlets.Bytes(b"").tag(sync=True)
    width = traitlets.Int(0).tag(sync=True)
    height = traitlets.Int(0).tag(sync=True)
    highlight = traitlets.List([]).tag(sync=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._pointer: Callable[[dict], None] | None = None
        self.on_msg(self._receive)

    def on_pointer(self, handler: Callable[[dict], None]) -> None:
        """Call ``handler(event)`` for every click, move and leave the browser reports."""
        self._pointer = handler

    def _receive(self, _widget, content, _buffers) -> None:
        if not isinstance(content, dict) or content.get("event") not in ("click", "move", "leave"):
            return
        try:
            if self._pointer is not None:
                self._pointer(content)
        finally:
            if content["event"] == "move":
                self.send({"event": "moved"})


class Toolbar(anywidget.AnyWidget):
    """"copy settings" (the view's preset), and PNG and SVG downloads of its figure.

    ``preset`` is the text copied; ``filename`` the downloads' name without suffix. A click on PNG or SVG
    asks the kernel for :meth:`FigureView.export`'s bytes (``exporter(format)``), which come back as one
    binary message and are saved by the browser.
    """

    _esm = _TOOLBAR_ESM
    preset = traitlets.Unicode("").tag(sync=True)
    filename = traitlets.Unicode("figure").tag(sync=True)

    def __init__(self, exporter: Callable[[str], bytes], **kwargs):
        super().__init__(**kwargs)
        self._exporter = exporter
        self.on_msg(self._receive)

    def download(self, format: str) -> dict:
        """Export the figure as ``format`` and send it to the browser; returns the message sent."""
        data = self._exporter(format)
        message = {"download": f"{self.filename}.{format}", "mime": MIME[format]}
        self.send(message, buffers=[data])
        return {**message, "bytes": len(data)}

    def _receive(self, _widget, content, _buffers) -> None:
        if isinstance(content, dict) and content.get("export") in MIME:
            self.download(content["export"])
