// Make a quote: select words with the mouse or a finger; the start and end snap to whole words.
// Without script, the nudge links do the same one word at a time.
"use strict";

(function () {
  const box = document.querySelector("[data-quote-words]");
  if (!box) return;
  const words = Array.from(box.querySelectorAll("span.w"));

  function wordOf(node) {
    const el = node && (node.nodeType === 1 ? node : node.parentElement);
    return el ? el.closest("span.w") : null;
  }

  function choose(first, last) {
    const a = words.indexOf(first), b = words.indexOf(last);
    if (a < 0 || b < 0) return;
    const [lo, hi] = a <= b ? [a, b] : [b, a];
    const url = new URL(window.location.href);
    url.searchParams.set("start", words[lo].dataset.start);
    url.searchParams.set("end", words[hi].dataset.end);
    url.searchParams.delete("edge");
    url.searchParams.delete("step");
    window.location.assign(url.toString());
  }

  box.addEventListener("mouseup", () => {
    const selection = window.getSelection();
    if (!selection || selection.isCollapsed) return;
    const first = wordOf(selection.anchorNode), last = wordOf(selection.focusNode);
    if (first && last) choose(first, last);
  });
  box.addEventListener("touchend", () => setTimeout(() => {
    const selection = window.getSelection();
    if (selection && !selection.isCollapsed) choose(wordOf(selection.anchorNode), wordOf(selection.focusNode));
  }, 50));
})();
