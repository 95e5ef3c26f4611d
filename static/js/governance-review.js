// Redaction review: select words in the transcript, then "Hide what I selected".
// Offsets are characters of the story's transcript text; each top-level piece of
// #gv-transcript carries data-offset, its place in that text.
"use strict";

(function () {
  const box = document.getElementById("gv-transcript");
  const form = document.getElementById("gv-add-form");
  if (!box || !form) return;
  const startField = document.getElementById("gv-start");
  const endField = document.getElementById("gv-end");
  const words = form.querySelector('input[name="words"]');
  const label = document.getElementById("gv-selection");

  function offsetOf(node, offset) {
    // The top-level piece holding `node`, and the character offset inside the transcript.
    let piece = node.nodeType === Node.ELEMENT_NODE ? node : node.parentElement;
    while (piece && piece.parentElement !== box) piece = piece.parentElement;
    if (!piece) return null;
    const base = parseInt(piece.dataset.offset || "0", 10);
    const main = piece.firstChild;
    if (node === main && node.nodeType === Node.TEXT_NODE) return base + offset;
    if (node === box) return null;
    // Inside the hidden label of a mark, or on an element boundary: the piece's end.
    return base + (main && main.nodeType === Node.TEXT_NODE ? main.textContent.length : 0);
  }

  function clear() {
    startField.value = "";
    endField.value = "";
    label.textContent = "Nothing selected. You can also type the words below.";
  }

  document.addEventListener("selectionchange", () => {
    const sel = window.getSelection();
    if (!sel || sel.rangeCount === 0 || sel.isCollapsed) return;
    const range = sel.getRangeAt(0);
    if (!box.contains(range.commonAncestorContainer)) return;
    let a = offsetOf(range.startContainer, range.startOffset);
    let b = offsetOf(range.endContainer, range.endOffset);
    if (a === null || b === null) return;
    if (b < a) [a, b] = [b, a];
    if (b === a) return clear();
    startField.value = String(a);
    endField.value = String(b);
    const chosen = sel.toString().trim();
    label.textContent = `Selected: “${chosen.slice(0, 80)}”`;
    if (words) words.value = "";
  });

  if (words) words.addEventListener("input", () => { if (words.value) clear(); });
})();
