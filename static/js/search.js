// Search page: play a hit's redacted clip (one at a time).
"use strict";

(function () {
  let playing = null;

  function stop() {
    if (!playing) return;
    playing.audio.pause();
    playing.button.textContent = "▶ Play";
    playing.button.setAttribute("aria-pressed", "false");
    playing = null;
  }

  function say(text) {
    const line = document.querySelector(".status-line");
    if (line) line.textContent = text;
  }

  document.querySelectorAll("button.play[data-clip]").forEach((button) => {
    button.setAttribute("aria-pressed", "false");
    button.addEventListener("click", () => {
      if (playing && playing.button === button) { stop(); return; }
      stop();
      const audio = new Audio(button.dataset.clip);
      playing = { audio, button };
      button.textContent = "■ Stop";
      button.setAttribute("aria-pressed", "true");
      audio.addEventListener("ended", stop);
      audio.play().catch(() => { stop(); say("This clip could not be played."); });
    });
  });
})();
