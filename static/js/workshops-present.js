// Present mode: one theme per screen, keyboard or clicker navigation, play buttons, offline once loaded.
"use strict";

(function () {
  const slides = Array.from(document.querySelectorAll(".slide"));
  const count = document.querySelector(".deck-count");
  let current = 0;

  function stopAudio() {
    document.querySelectorAll("audio").forEach((a) => { a.pause(); });
    document.querySelectorAll("button.play").forEach((b) => {
      b.setAttribute("aria-pressed", "false");
      b.textContent = b.textContent.replace("❚❚ Pause", "▶ Play");
    });
  }

  function show(index) {
    if (index < 0 || index >= slides.length) return;
    stopAudio();
    slides[current].hidden = true;
    current = index;
    slides[current].hidden = false;
    count.textContent = `${current + 1} / ${slides.length}`;
    const heading = slides[current].querySelector("h1");
    if (heading) { heading.setAttribute("tabindex", "-1"); heading.focus({ preventScroll: true }); }
    if (window.location.hash !== `#${slides[current].id}`) history.replaceState(null, "", `#${slides[current].id}`);
  }

  function toggle(button) {
    const audio = document.getElementById(button.dataset.audio);
    if (!audio) return;
    if (audio.paused) {
      stopAudio();
      audio.currentTime = 0;
      audio.play().catch(() => {});
      button.setAttribute("aria-pressed", "true");
      button.textContent = button.textContent.replace("▶ Play", "❚❚ Pause");
    } else {
      stopAudio();
    }
  }

  document.querySelectorAll("button.play").forEach((button) => {
    button.addEventListener("click", () => toggle(button));
    const audio = document.getElementById(button.dataset.audio);
    if (audio) audio.addEventListener("ended", () => stopAudio());
  });

  function fullScreen() {
    if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
    else document.documentElement.requestFullscreen().catch(() => {});
  }

  document.querySelector(".deck-next").addEventListener("click", () => show(current + 1));
  document.querySelector(".deck-prev").addEventListener("click", () => show(current - 1));
  document.querySelector(".deck-full").addEventListener("click", fullScreen);

  document.addEventListener("keydown", (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    const onButton = event.target.closest && event.target.closest("button, a, audio");
    switch (event.key) {
      case "ArrowRight": case "PageDown": case "ArrowDown":
        event.preventDefault(); show(current + 1); break;
      case " ":
        if (onButton) return; // Space on a focused button presses it
        event.preventDefault(); show(current + 1); break;
      case "ArrowLeft": case "PageUp": case "ArrowUp": case "Backspace":
        event.preventDefault(); show(current - 1); break;
      case "Home": event.preventDefault(); show(0); break;
      case "End": event.preventDefault(); show(slides.length - 1); break;
      case "f": case "F": fullScreen(); break;
      case "p": case "P": {
        const first = slides[current].querySelector("button.play");
        if (first) toggle(first);
        break;
      }
      case "Escape": stopAudio(); break;
      default: break;
    }
  });

  const start = slides.findIndex((s) => `#${s.id}` === window.location.hash);
  if (start > 0) show(start); else show(0);

  // Offline: a service worker keeps this page, its CSS/JS and every clip.
  const state = document.querySelector(".offline-state");
  const sw = document.body.dataset.sw;
  if ("serviceWorker" in navigator && sw) {
    const urls = [window.location.pathname, ...Array.from(document.querySelectorAll("link[rel=stylesheet], link[rel=icon]")).map((l) => l.href),
      ...Array.from(document.querySelectorAll("script[src]")).map((s) => s.src),
      ...Array.from(document.querySelectorAll("audio[src]")).map((a) => a.src)];
    navigator.serviceWorker.register(sw, { scope: "/workshops/" }).then(() => navigator.serviceWorker.ready).then((reg) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = (msg) => {
        state.textContent = msg.data && msg.data.ok ? "Ready to work offline" : "Could not keep everything for offline use";
        document.body.dataset.offline = msg.data && msg.data.ok ? "ready" : "failed";
      };
      reg.active.postMessage({ type: "cache", urls }, [channel.port2]);
    }).catch(() => { state.textContent = ""; });
  }
})();
