// The voice page: record about 20 seconds, listen back, send it (with consent) as one request body.
"use strict";

(function () {
  const box = document.getElementById("voice-recorder");
  if (!box || !window.MediaRecorder || !navigator.mediaDevices) return;
  const $ = (id) => document.getElementById(id);
  $("voice-needs-js").hidden = true;
  box.querySelector(".voice-controls").hidden = false;
  const start = $("voice-start"), stop = $("voice-stop"), save = $("voice-save"), message = $("voice-message");
  let recorder = null, pieces = [], sample = null, began = 0, timer = null;
  const ready = () => { save.disabled = !(sample && $("voice-consent").checked); };
  $("voice-consent").addEventListener("change", ready);
  start.addEventListener("click", async () => {
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
      recorder = new MediaRecorder(stream);
    } catch (e) { message.textContent = "The microphone could not be opened. Please allow it and try again."; return; }
    pieces = [];
    recorder.addEventListener("dataavailable", (event) => { if (event.data.size) pieces.push(event.data); });
    recorder.addEventListener("stop", () => {
      recorder.stream.getTracks().forEach((t) => t.stop());
      sample = new Blob(pieces, { type: recorder.mimeType || "audio/webm" });
      $("voice-playback").src = URL.createObjectURL(sample);
      $("voice-playback").hidden = false;
      message.textContent = "Listen back if you like, tick the box, then save.";
      ready();
    });
    recorder.start(1000);
    began = Date.now();
    timer = setInterval(() => {
      const t = Math.floor((Date.now() - began) / 1000);
      $("voice-time").textContent = `${Math.floor(t / 60)}:${String(t % 60).padStart(2, "0")}`;
      if (t >= 40) stop.click();
    }, 250);
    start.disabled = true; stop.disabled = false;
    message.textContent = "Recording…";
  });
  stop.addEventListener("click", () => {
    if (recorder && recorder.state !== "inactive") recorder.stop();
    clearInterval(timer);
    start.disabled = false; stop.disabled = true;
  });
  save.addEventListener("click", async () => {
    save.disabled = true;
    message.textContent = "Saving…";
    try {
      const response = await fetch(box.dataset.saveUrl, {
        method: "POST", body: sample,
        headers: { "Content-Type": sample.type || "application/octet-stream", Accept: "application/json",
                   "X-CSRFToken": window.storyloomCsrfToken(), "X-Voice-Consent": $("voice-consent").checked ? "yes" : "no" },
      });
      const body = await response.json().catch(() => ({}));
      message.textContent = body.message || (response.ok ? "Saved." : "It could not be saved. Please try again.");
      if (response.ok) setTimeout(() => window.location.reload(), 800);
      else save.disabled = false;
    } catch (e) {
      message.textContent = "It could not be saved: the connection dropped. Please press Save again.";
      save.disabled = false;
    }
  });
})();
