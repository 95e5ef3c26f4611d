// Recording in the browser: MediaRecorder, a level meter, a timer, listen back, and a
// resumable chunked upload that runs while you talk (a dropped connection loses at most one piece).
"use strict";

(function () {
  const form = document.getElementById("record-form");
  if (!form) return;
  const $ = (id) => document.getElementById(id);
  const startBtn = $("rec-start"), pauseBtn = $("rec-pause"), stopBtn = $("rec-stop"), saveBtn = $("rec-save");
  const stateLine = $("rec-state"), uploadLine = $("rec-upload"), timeLine = $("rec-time"), meter = $("rec-level");
  const problem = $("save-problem");
  if (!window.MediaRecorder || !navigator.mediaDevices) return;  // the note about needing a microphone stays
  $("recorder-needs-js").hidden = true;
  form.querySelector(".recorder-controls").hidden = false;
  form.querySelector(".recorder-readout").hidden = false;

  let recorder = null, stream = null, audioCtx = null, meterTimer = null, clockTimer = null;
  let pieces = [], pending = [], pendingBytes = 0, sent = 0, total = 0, uploadId = null, uploading = false;
  let elapsed = 0, lastTick = 0, stopped = false;
  const headers = () => ({ "X-CSRFToken": window.storyloomCsrfToken(), Accept: "application/json" });
  const clock = (t) => `${Math.floor(t / 60)}:${String(Math.floor(t % 60)).padStart(2, "0")}`;
  const pick = () => ["audio/webm;codecs=opus", "audio/ogg;codecs=opus", "audio/webm", "audio/mp4"]
    .find((t) => MediaRecorder.isTypeSupported(t)) || "";

  const MAX_PUT_BYTES = 4 * 1024 * 1024;
  // Upload queue: send pending bytes at the server's offset; on any failure ask the server where it got to.
  async function pump() {
    if (uploading || !uploadId) return;
    uploading = true;
    try {
      while (pending.length) {
        // At most 4 MB a request (the server takes 8 MB per PUT): a long outage's backlog goes in pieces.
        const blob = new Blob(pending).slice(0, MAX_PUT_BYTES);
        const response = await fetch(`${form.dataset.uploadsUrl}/${uploadId}?offset=${sent}`,
          { method: "PUT", headers: headers(), body: blob });
        if (!response.ok) throw new Error(`upload ${response.status}`);
        const body = await response.json();
        // Drop what the server now holds from the front of the queue.
        let drop = body.received - sent;
        sent = body.received;
        while (drop > 0 && pending.length) {
          const first = pending[0];
          if (first.size <= drop) { drop -= first.size; pending.shift(); }
          else { pending[0] = first.slice(drop); drop = 0; }
        }
        uploadLine.textContent = `Sent safely: ${Math.round(sent / 1024)} KB`;
      }
    } catch (e) {
      uploadLine.textContent = "The connection dropped. Trying again…";
      await resync();
      uploading = false;
      setTimeout(pump, 1500);
      return;
    }
    uploading = false;
    if (stopped && !pending.length) finishedUploading();
  }

  async function resync() {
    try {
      const response = await fetch(`${form.dataset.uploadsUrl}/${uploadId}`, { headers: headers() });
      if (!response.ok) return;
      const body = await response.json();
      // Rebuild the queue from everything recorded, starting at what the server holds.
      sent = body.received;
      pending = [new Blob(pieces).slice(sent)];
    } catch (e) { /* still offline */ }
  }

  function finishedUploading() {
    stateLine.textContent = "Recording stopped. Listen back, fill in the details, then save.";
    uploadLine.textContent = `Sent safely: ${Math.round(sent / 1024)} KB`;
    saveBtn.disabled = false;
  }

  function startMeter() {
    audioCtx = new AudioContext();
    const analyser = audioCtx.createAnalyser();
    analyser.fftSize = 1024;
    audioCtx.createMediaStreamSource(stream).connect(analyser);
    const data = new Float32Array(analyser.fftSize);
    meterTimer = setInterval(() => {
      analyser.getFloatTimeDomainData(data);
      let peak = 0;
      for (const v of data) peak = Math.max(peak, Math.abs(v));
      const level = Math.round(Math.min(100, peak * 140));
      meter.value = level;
      meter.textContent = level;
    }, 100);
  }

  function tickClock() {
    const now = performance.now();
    if (recorder && recorder.state === "recording") elapsed += (now - lastTick) / 1000;
    lastTick = now;
    timeLine.textContent = clock(elapsed);
  }

  startBtn.addEventListener("click", async () => {
    problem.hidden = true;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch (e) {
      stateLine.textContent = "We could not use the microphone. Check it is plugged in and allowed, then try again.";
      return;
    }
    const mimeType = pick();
    const created = await fetch(form.dataset.createUrl, {
      method: "POST", headers: { ...headers(), "Content-Type": "application/json" },
      body: JSON.stringify({ filename: mimeType.includes("ogg") ? "recording.ogg" : mimeType.includes("mp4") ? "recording.m4a" : "recording.webm",
        content_type: mimeType.split(";")[0] }),
    });
    if (!created.ok) { stateLine.textContent = "The recording could not start. Please reload the page."; return; }
    uploadId = (await created.json()).id;
    form.dataset.uploadId = uploadId;
    recorder = new MediaRecorder(stream, mimeType ? { mimeType } : {});
    recorder.addEventListener("dataavailable", (event) => {
      if (!event.data || !event.data.size) return;
      pieces.push(event.data);
      pending.push(event.data);
      total += event.data.size;
      pump();
    });
    recorder.addEventListener("stop", () => {
      stopped = true;
      stream.getTracks().forEach((t) => t.stop());
      clearInterval(meterTimer); clearInterval(clockTimer);
      if (audioCtx) audioCtx.close();
      meter.value = 0;
      const player = $("rec-audio");
      player.src = URL.createObjectURL(new Blob(pieces, { type: recorder.mimeType }));
      $("rec-playback").hidden = false;
      stateLine.textContent = "Stopped. Sending the last piece…";
      if (!pending.length && !uploading) finishedUploading(); else pump();
    });
    recorder.start(1000);  // a piece every second
    startMeter();
    lastTick = performance.now();
    clockTimer = setInterval(tickClock, 250);
    startBtn.disabled = true; pauseBtn.disabled = false; stopBtn.disabled = false;
    stateLine.textContent = "Recording… Press Pause to take a break, Stop when you have finished.";
  });

  pauseBtn.addEventListener("click", () => {
    if (recorder.state === "recording") {
      recorder.pause(); pauseBtn.textContent = "Carry on"; stateLine.textContent = "Paused.";
    } else if (recorder.state === "paused") {
      recorder.resume(); lastTick = performance.now(); pauseBtn.textContent = "Pause"; stateLine.textContent = "Recording…";
    }
  });

  stopBtn.addEventListener("click", () => {
    tickClock();
    recorder.stop();
    pauseBtn.disabled = true; stopBtn.disabled = true;
  });

  $("rec-again").addEventListener("click", async () => {
    if (uploadId) await fetch(`${form.dataset.uploadsUrl}/${uploadId}`, { method: "DELETE", headers: headers() }).catch(() => {});
    pieces = []; pending = []; sent = 0; total = 0; uploadId = null; stopped = false; elapsed = 0;
    timeLine.textContent = "0:00"; uploadLine.textContent = "";
    $("rec-playback").hidden = true; saveBtn.disabled = true; startBtn.disabled = false; pauseBtn.textContent = "Pause";
    stateLine.textContent = "Press Record when you are ready.";
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!uploadId || !stopped || pending.length) return;
    saveBtn.disabled = true;
    problem.hidden = true;
    const data = new FormData(form);
    data.delete("csrf_token");
    const response = await fetch(`${form.dataset.uploadsUrl}/${uploadId}/finish`, { method: "POST", headers: headers(), body: data });
    const body = await response.json().catch(() => ({}));
    if (response.ok) { window.location.href = body.url; return; }
    let message = body.message || "It could not be saved. Please try again.";
    if (body.errors) message += " " + Object.values(body.errors).flat().join(" ");
    problem.textContent = message;
    problem.hidden = false;
    saveBtn.disabled = false;
    problem.focus();
  });
})();
