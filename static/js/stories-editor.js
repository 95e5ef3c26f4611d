// The transcript editor: the player follows the words, a click on a word seeks, edits are saved as versions.
"use strict";

(function () {
  const editor = document.getElementById("editor");
  if (!editor) return;
  const audio = document.getElementById("story-audio");
  const playButton = document.getElementById("playpause");
  const timeLabel = document.getElementById("player-time");
  const words = Array.from(editor.querySelectorAll(".w[data-start]"));
  let current = null;
  let dirty = false;

  const clock = (t) => `${Math.floor(t / 60)}:${String(Math.floor(t % 60)).padStart(2, "0")}`;

  if (audio) {
    const toggle = () => (audio.paused ? audio.play() : audio.pause());
    const jump = (delta) => { audio.currentTime = Math.max(0, Math.min((audio.duration || 1e9), audio.currentTime + delta)); };
    playButton.addEventListener("click", toggle);
    document.getElementById("back5").addEventListener("click", () => jump(-5));
    document.getElementById("fwd5").addEventListener("click", () => jump(5));
    audio.addEventListener("play", () => { playButton.textContent = "Pause"; });
    audio.addEventListener("pause", () => { playButton.textContent = "Play"; });
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape") { event.preventDefault(); toggle(); }
      else if (event.key === "F1") { event.preventDefault(); jump(-5); }
      else if (event.key === "F2") { event.preventDefault(); jump(5); }
    });
    editor.querySelectorAll("button.seek").forEach((b) => b.addEventListener("click", () => {
      audio.currentTime = parseFloat(b.dataset.start); audio.play();
    }));
    editor.addEventListener("click", (event) => {
      const word = event.target.closest(".w[data-start]");
      if (!word || String(window.getSelection()).length) return;
      audio.currentTime = parseFloat(word.dataset.start) + 0.001;
      editor.dataset.seekedTo = word.dataset.start;
      // Play from the word whether or not it was playing (people click to hear it).
      if (audio.paused) audio.play().catch(() => {});
    });
    // Highlight the word being spoken.
    audio.addEventListener("timeupdate", () => {
      const t = audio.currentTime;
      timeLabel.textContent = clock(t);
      let found = null;
      for (const w of words) {
        const start = parseFloat(w.dataset.start), end = parseFloat(w.dataset.end);
        if (t >= start && t < end + 0.05) { found = w; break; }
      }
      if (found !== current) {
        if (current) current.classList.remove("current");
        if (found) found.classList.add("current");
        current = found;
      }
    });
  }

  // Edits: mark the page as changed; warn before leaving with unsaved changes.
  const status = document.getElementById("save-status");
  editor.querySelectorAll(".segment-text[contenteditable], select.speaker").forEach((el) => {
    el.addEventListener(el.tagName === "SELECT" ? "change" : "input", () => {
      dirty = true;
      if (status) status.textContent = "You have changes that are not saved yet.";
    });
  });
  // Paste plain text only, so no formatting sneaks into the transcript.
  editor.querySelectorAll(".segment-text[contenteditable]").forEach((el) => {
    el.addEventListener("paste", (event) => {
      event.preventDefault();
      const text = (event.clipboardData || window.clipboardData).getData("text/plain");
      document.execCommand("insertText", false, text);
    });
  });
  window.addEventListener("beforeunload", (event) => { if (dirty) { event.preventDefault(); event.returnValue = ""; } });

  // Speakers for the whole story: rename, swap, join. They change every menu; Save keeps them as a version.
  const menus = () => Array.from(editor.querySelectorAll("select.speaker"));
  const labels = () => Array.from(new Set(menus().flatMap((m) => Array.from(m.options).map((o) => o.value)).filter(Boolean)));
  const toolStatus = document.getElementById("speaker-tools-status");
  const fillPickers = () => {
    document.querySelectorAll("select.speaker-pick").forEach((pick) => {
      const keep = pick.value;
      pick.replaceChildren(...labels().map((l) => new Option(l, l)));
      if (labels().includes(keep)) pick.value = keep;
    });
  };
  const relabel = (mapping, note) => {
    menus().forEach((menu) => {
      Object.keys(mapping).forEach((label) => {
        if (!Array.from(menu.options).some((o) => o.value === mapping[label])) menu.add(new Option(mapping[label], mapping[label]));
      });
      if (Object.prototype.hasOwnProperty.call(mapping, menu.value)) menu.value = mapping[menu.value];
    });
    dirty = true;
    if (status) status.textContent = "You have changes that are not saved yet.";
    if (toolStatus) toolStatus.textContent = note;
    fillPickers();
  };
  const byId = (id) => document.getElementById(id);
  if (byId("speaker-tools")) {
    fillPickers();
    byId("rename-speaker").addEventListener("click", () => {
      const from = byId("rename-from").value, to = byId("rename-to").value.trim().slice(0, 40);
      if (from && to) relabel({ [from]: to }, `${from} is now called ${to}.`);
    });
    byId("swap-speakers").addEventListener("click", () => {
      const a = byId("swap-a").value, b = byId("swap-b").value;
      if (a && b && a !== b) relabel({ [a]: b, [b]: a }, `${a} and ${b} swapped.`);
    });
    byId("merge-speakers").addEventListener("click", () => {
      const from = byId("merge-from").value, into = byId("merge-into").value;
      if (from && into && from !== into) relabel({ [from]: into }, `${from} joined into ${into}.`);
    });
  }

  const saveButton = document.getElementById("save-words");
  const save = async () => {
    const segments = Array.from(editor.querySelectorAll(".segment")).map((li) => ({
      id: parseInt(li.dataset.segmentId, 10),
      text: li.querySelector(".segment-text").innerText.replace(/\s+/g, " ").trim(),
      speaker: li.querySelector("select.speaker").value,
    }));
    saveButton.disabled = true;
    status.textContent = "Saving…";
    try {
      const response = await fetch(editor.dataset.saveUrl, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": window.storyloomCsrfToken() },
        body: JSON.stringify({ revision: parseInt(editor.dataset.revision, 10), segments }),
      });
      const body = await response.json().catch(() => ({}));
      status.textContent = body.message || (response.ok ? "Saved." : "It could not be saved. Please try again.");
      if (response.ok) {
        // No reload: the place in the recording, playback and the scroll position stay as they are.
        dirty = false;
        editor.dataset.revision = body.revision;
      }
    } catch (e) {
      status.textContent = "It could not be saved: the connection dropped. Your changes are still here: press Save again.";
    } finally {
      saveButton.disabled = false;
    }
  };
  if (saveButton) saveButton.addEventListener("click", save);
  // Ctrl+S saves too.
  document.addEventListener("keydown", (event) => {
    if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "s" && saveButton) { event.preventDefault(); save(); }
  });
  // "Mark as checked" saves unsaved changes first.
  const review = document.getElementById("review-form");
  if (review) review.addEventListener("submit", (event) => {
    if (!dirty) return;
    event.preventDefault();
    save().then(() => { if (!dirty) review.submit(); });
  });
})();
