// Theme board: drag a quote onto another theme to move it (play buttons are storyloom.js's).
// The keyboard way to move is the "Move to…" form under each quote (no script needed).
"use strict";

(function () {
  function announce(text) {
    const status = document.querySelector(".drag-status");
    if (status) status.textContent = text;
  }

  async function movePassage(passageId, themeId) {
    const response = await fetch(`/api/v1/passages/${passageId}/move`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json",
                 "X-CSRFToken": window.storyloomCsrfToken() },
      body: JSON.stringify({ theme_id: Number(themeId) }),
    });
    if (!response.ok) {
      let message = "The quote could not be moved.";
      try { message = (await response.json()).message || message; } catch (e) { /* keep the plain message */ }
      throw new Error(message);
    }
    return response.json();
  }

  async function moveQuote(quoteId, themeId) {
    // The same form the "Move to…" details post (evidence.change_quote), sent without leaving the page.
    const body = new URLSearchParams({ what: "move", theme_id: String(themeId), next: window.location.pathname });
    const response = await fetch(`/quotes/${quoteId}/change`, {
      method: "POST",
      headers: { "X-CSRFToken": window.storyloomCsrfToken() },
      body,
    });
    if (!response.ok) throw new Error("The quote could not be moved.");
  }

  function setUpDragAndDrop() {
    const grid = document.querySelector(".theme-grid[data-can-move]");
    if (!grid) return;
    let dragged = null;
    grid.querySelectorAll(".quote[draggable=true]").forEach((quote) => {
      quote.addEventListener("dragstart", (event) => {
        dragged = quote;
        quote.classList.add("dragging");
        event.dataTransfer.effectAllowed = "move";
        event.dataTransfer.setData("text/plain", quote.dataset.passageId || `quote-${quote.dataset.quoteId}`);
      });
      quote.addEventListener("dragend", () => {
        quote.classList.remove("dragging");
        grid.querySelectorAll(".drop-target").forEach((c) => c.classList.remove("drop-target"));
      });
    });
    grid.querySelectorAll(".theme-card").forEach((card) => {
      card.addEventListener("dragover", (event) => {
        if (!dragged || dragged.closest(".theme-card") === card) return;
        event.preventDefault();
        event.dataTransfer.dropEffect = "move";
        card.classList.add("drop-target");
      });
      card.addEventListener("dragleave", (event) => {
        if (!card.contains(event.relatedTarget)) card.classList.remove("drop-target");
      });
      card.addEventListener("drop", async (event) => {
        event.preventDefault();
        card.classList.remove("drop-target");
        if (!dragged) return;
        const quote = dragged;
        dragged = null;
        const title = card.querySelector("h2").textContent.trim();
        try {
          if (quote.dataset.quoteId) await moveQuote(quote.dataset.quoteId, card.dataset.themeId);
          else await movePassage(quote.dataset.passageId, card.dataset.themeId);
          announce(`Moved to ${title}.`);
          window.location.reload();
        } catch (error) {
          quote.classList.remove("dragging");
          announce(error.message);
        }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    setUpDragAndDrop();
  });
})();
