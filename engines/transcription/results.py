"""Plain data for a transcript: TranscriptResult > Segment > Word, JSON-friendly both ways."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

# Flags a segment can carry (see guards.py for how each is detected).
REPETITION_LOOP = "repetition_loop"
POSSIBLE_HALLUCINATION = "possible_hallucination"


@dataclass
class Word:
    """One recognised word with its time span (seconds from file start) and model probability."""

    start: float
    end: float
    text: str
    probability: float
    low_confidence: bool = False


@dataclass
class Segment:
    """A stretch of transcript as Whisper emitted it, with its quality scores and guard flags."""

    start: float
    end: float
    text: str
    avg_logprob: float
    no_speech_prob: float
    compression_ratio: float
    flags: list[str] = field(default_factory=list)
    words: list[Word] = field(default_factory=list)


@dataclass
class TranscriptResult:
    """A whole file's transcript. `speech` lists the VAD speech regions (start, end) in seconds."""

    duration_s: float
    language: str
    model: str
    segments: list[Segment] = field(default_factory=list)
    speech: list[tuple[float, float]] = field(default_factory=list)

    @property
    def text(self) -> str:
        """All segment texts joined, flagged ones included (callers decide what to hide)."""
        return " ".join(s.text.strip() for s in self.segments if s.text.strip())

    @property
    def flagged_segments(self) -> list[Segment]:
        return [s for s in self.segments if s.flags]

    def to_dict(self) -> dict:
        """JSON-serialisable dict (floats, strings, lists only)."""
        data = asdict(self)
        data["speech"] = [list(span) for span in self.speech]
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "TranscriptResult":
        """Inverse of to_dict, e.g. when reading a stored transcript back."""
        segments = [
            Segment(**{**s, "words": [Word(**w) for w in s.get("words", [])]})
            for s in data.get("segments", [])
        ]
        return cls(
            duration_s=data["duration_s"],
            language=data["language"],
            model=data["model"],
            segments=segments,
            speech=[tuple(span) for span in data.get("speech", [])],
        )
