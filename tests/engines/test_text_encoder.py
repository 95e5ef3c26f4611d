"""The bundled sentence encoder in numpy (engines/text_encoder.py): sentence-transformers' vectors, without torch."""
import json
import subprocess
import sys

import numpy as np
import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow  # loads the real model (and torch, for the reference)


def test_the_numpy_encoder_gives_sentence_transformers_vectors():
    from engines.embeddings import embed_texts, load_model

    stories = json.loads((ROOT / "demo" / "dev_stories.json").read_text())["stories"]
    texts = [s["text"] for s in stories[:12]] + ["I want to end it all", "my son is nine", "",
                                                 "Subutex at the AP in Goole, [place]"]
    ours = embed_texts(texts)
    theirs = load_model().encode(texts, normalize_embeddings=True, show_progress_bar=False)
    assert ours.shape == theirs.shape == (len(texts), 384) and ours.dtype == np.float32
    assert float((ours * theirs).sum(1).min()) > 0.99999  # long stories are cut at 256 tokens by both


# In a fresh process, as the transcription worker runs it: redaction detection and the safeguarding flags.
CHECK = """
import sys
from engines.redaction import detect_redactions, load_nlp
from engines.safeguarding import flag_risks
text = "I told Angela Sinclair in Goole that some nights I want to kill myself. My son is nine."
found = detect_redactions(text, nlp=load_nlp())
flags = flag_risks([text])
assert any(r.kind == "name" for r in found), found
assert any(f.category == "self_harm" for f in flags), flags
heavy = sorted(m for m in ("torch", "transformers", "sentence_transformers") if m in sys.modules)
print("HEAVY", heavy)
"""


def test_the_words_check_in_a_worker_imports_no_torch():
    result = subprocess.run([sys.executable, "-c", CHECK], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "HEAVY []" in result.stdout, result.stdout + result.stderr[-2000:]
