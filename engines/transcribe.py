"""Public entry point for transcription; the code lives in engines/transcription/.

    from engines.transcribe import get_transcriber, TranscriptionError
    result = get_transcriber().transcribe(path, on_progress=lambda done, total: ...)
    json_ready = result.to_dict()
"""
from .transcription import *  # noqa: F401,F403
from .transcription import __all__  # noqa: F401
