"""Theme reels: quotes' (already redacted) clips joined into one audio file with a short tone between,
a WebVTT caption file (who speaks, what is said) and an MP4 with the captions burned in on a plain card.

Plain Python + ffmpeg, no Flask. Every input clip is already redacted by the caller.
"""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

RATE = 44100
TONE_SECONDS = 0.6  # 0.15 s quiet, 0.3 s soft tone, 0.15 s quiet
CARD = "0x1F2933"  # dark slate card; captions in white


def _duration(path: Path) -> float:
    out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "json", str(path)],
                         check=True, capture_output=True, text=True, timeout=60).stdout
    return float(json.loads(out)["format"]["duration"])


def _timestamp(seconds: float) -> str:
    millis = int(round(seconds * 1000))
    h, rest = divmod(millis, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"


def _vtt_text(text: str) -> str:
    return " ".join(text.split()).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def webvtt(cues: list[dict]) -> str:
    """WebVTT of [{start, end, speaker, text}]: the speaker as a voice tag, so players can show who speaks."""
    lines = ["WEBVTT", ""]
    for n, cue in enumerate(cues, start=1):
        lines += [str(n), f"{_timestamp(cue['start'])} --> {_timestamp(cue['end'])}",
                  f"<v {_vtt_text(cue['speaker'])}>{_vtt_text(cue['speaker'])}: {_vtt_text(cue['text'])}", ""]
    return "\n".join(lines)


def _join_audio(clips: list[Path], dest: Path) -> None:
    args = ["ffmpeg", "-loglevel", "error", "-y"]
    for clip in clips:
        args += ["-i", str(clip)]
    pieces, labels = [], []
    for n in range(len(clips)):
        pieces.append(f"[{n}:a]aresample={RATE},aformat=sample_fmts=fltp:channel_layouts=mono[c{n}]")
        labels.append(f"[c{n}]")
        if n < len(clips) - 1:
            pieces.append(f"sine=frequency=523:sample_rate={RATE}:duration=0.3,volume=0.25,"
                          f"adelay=150,apad=pad_dur=0.15,aformat=sample_fmts=fltp:channel_layouts=mono[t{n}]")
            labels.append(f"[t{n}]")
    graph = ";".join(pieces) + ";" + "".join(labels) + f"concat=n={len(labels)}:v=0:a=1[out]"
    subprocess.run(args + ["-filter_complex", graph, "-map", "[out]", "-ac", "1", "-b:a", "96k", str(dest)],
                   check=True, capture_output=True, timeout=600)


def _burn_video(audio: Path, vtt: Path, title: str, seconds: float, dest: Path) -> None:
    # SSA units (the card is 384x288 to libass) and legacy alignment: 10 = middle centre.
    style = ("FontName=DejaVu Sans,FontSize=17,PrimaryColour=&H00FFFFFF,OutlineColour=&H00000000,BorderStyle=1,"
             "Outline=0,Shadow=0,Alignment=10,MarginL=30,MarginR=30")
    title_text = title.replace("\\", "").replace(":", "\\:").replace("'", "’")
    video_filter = (f"drawtext=fontfile=/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf:text='{title_text}':"
                    f"fontcolor=0xFFE08A:fontsize=40:x=(w-text_w)/2:y=70,"
                    f"subtitles=filename='{vtt.name}':force_style='{style}'")
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i", f"color=c={CARD}:s=1280x720:r=10:d={seconds:.2f}",
                    "-i", audio.name, "-vf", video_filter, "-c:v", "libx264", "-preset", "veryfast", "-tune", "stillimage",
                    "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "96k", "-shortest", dest.name],
                   check=True, capture_output=True, timeout=900, cwd=str(dest.parent))


def build_reel(items: list[dict], out_dir, *, title: str, report=None) -> dict:
    """Build reel.mp3, reel.vtt and reel.mp4 in `out_dir` from [{clip: path, speaker, text}], in order.

    `report(percent, message)` hears progress. Returns {"audio", "captions", "video", "seconds", "quotes"}.
    """
    report = report or (lambda percent, message="": None)
    if not items:
        raise ValueError("A reel needs at least one quote with a clip.")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    cues, t = [], 0.0
    for n, item in enumerate(items):
        length = _duration(Path(item["clip"]))
        cues.append({"start": t, "end": t + length, "speaker": item["speaker"], "text": item["text"]})
        t += length + (TONE_SECONDS if n < len(items) - 1 else 0.0)
    report(20, "Joining the clips")
    audio, captions, video = out / "reel.mp3", out / "reel.vtt", out / "reel.mp4"
    _join_audio([Path(i["clip"]) for i in items], audio)
    captions.write_text(webvtt(cues), encoding="utf-8")
    report(50, "Making the video with captions")
    _burn_video(audio, captions, title, _duration(audio), video)
    report(95, "Reel ready")
    return {"audio": audio, "captions": captions, "video": video, "seconds": round(_duration(audio), 2),
            "quotes": len(items)}
