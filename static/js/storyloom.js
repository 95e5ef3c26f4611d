// Storyloom page behaviour. No inline scripts anywhere (the CSP forbids them).
"use strict";

// The CSRF token for fetch() calls, read from any form on the page or the meta tag.
function storyloomCsrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  if (meta) return meta.content;
  const input = document.querySelector('input[name="csrf_token"]');
  return input ? input.value : "";
}
window.storyloomCsrfToken = storyloomCsrfToken;

function formatSeconds(total) {
  if (total == null) return "";
  const m = Math.floor(total / 60), s = Math.round(total % 60);
  return m > 0 ? `about ${m} min ${s} s left` : `about ${s} s left`;
}

// Live progress bars: poll the job's row through the API until it finishes.
function watchJob(el) {
  const id = el.dataset.jobId;
  const bar = el.querySelector("progress");
  const update = (job) => {
    el.dataset.status = job.status;
    bar.value = job.progress;
    bar.textContent = job.progress + "%";
    el.querySelector(".job-percent-value").textContent = job.progress;
    el.querySelector(".job-status").textContent = job.status;
    el.querySelector(".job-message").textContent = job.message || job.status;
    // The server's time left only counts down; without one (too early, or running past it) say "working".
    el.querySelector(".job-eta").textContent = job.status === "running" ? (formatSeconds(job.eta_seconds) || "working…") : "";
    const err = el.querySelector(".job-error");
    err.textContent = job.error || "";
    err.hidden = !job.error;
  };
  const tick = async () => {
    try {
      const response = await fetch(`/api/v1/jobs/${id}`, { headers: { Accept: "application/json" } });
      if (response.ok) {
        const job = await response.json();
        update(job);
        if (["succeeded", "failed", "cancelled"].includes(job.status)) {
          el.dispatchEvent(new CustomEvent("job:finished", { bubbles: true, detail: job }));
          if (el.dataset.reload) window.location.reload();
          return;
        }
      }
    } catch (e) { /* offline for a moment: try again */ }
    setTimeout(tick, 1000);
  };
  if (!["succeeded", "failed", "cancelled"].includes(el.dataset.status)) tick();
}

// Play buttons (button.play[data-clip], on search hits and theme quotes): one redacted clip at a time;
// a clip that cannot be played is said in the page's status line.
function setUpClipButtons() {
  let playing = null;
  const stop = () => {
    if (!playing) return;
    playing.audio.pause();
    playing.button.textContent = "▶ Play";
    playing.button.setAttribute("aria-pressed", "false");
    playing = null;
  };
  const say = (text) => {
    const line = document.querySelector(".status-line");
    if (line) line.textContent = text;
  };
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
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll(".job-progress[data-job-id]").forEach(watchJob);
  setUpClipButtons();
  // Buttons that ask "are you sure?" before a form is sent.
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
});

// Signing out: present mode's offline copies go too (the sign-out response also says Clear-Site-Data).
document.addEventListener("DOMContentLoaded", () => {
  const sw = navigator.serviceWorker;
  document.querySelectorAll('form[action$="/logout"]').forEach((form) => {
    form.addEventListener("submit", () => {
      if (sw && sw.controller) sw.controller.postMessage({ type: "clear" });
      if (window.caches) caches.keys().then((names) => names.forEach((n) => caches.delete(n)));
    });
  });
});
