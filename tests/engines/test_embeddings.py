"""The embedding engine: same model, same cache keys and dimension, on the worker's one thread."""
import numpy as np
import pytest

from engines.embeddings import DEFAULT_MODEL, embed_texts, resolve_model_path, text_key

TEXTS = ["The hostel gave me two weeks notice.",
         "My officer wrote to the council but nobody has called me back about a flat, and I have been "
         "sofa surfing at my cousin's since the hostel asked me to leave.",
         "Money is tight."]


def test_cache_key_and_model_name_are_unchanged():
    # Vectors already stored in EmbeddingCache are found again only if the key stays the same.
    assert DEFAULT_MODEL == "bundled:all-MiniLM-L6-v2"
    assert text_key(TEXTS[0]) == "357c69af21e6e80705bb2d3aeb506db5e1a6244de3e6482ac48da97d5750ac7c"
    assert text_key(TEXTS[0], DEFAULT_MODEL) == text_key(TEXTS[0])


@pytest.mark.slow
def test_vectors_are_unit_384_and_do_not_depend_on_the_batch():
    together = embed_texts(TEXTS)
    alone = np.stack([embed_texts([t])[0] for t in TEXTS])
    assert together.shape == (3, 384) and together.dtype == np.float32
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    # Padding a short text next to a long one must not change what it means.
    assert np.allclose(together, alone, atol=1e-5)
    assert float(together[0] @ together[1]) > float(together[0] @ together[2])


@pytest.mark.slow
def test_a_model_named_in_settings_runs_in_sentence_transformers_on_one_thread():
    # On a shared two-core machine two OpenMP threads spin against each other and the web process:
    # embedding ran 3-7x slower than on one thread (bench/themes_rebuild.py). (The bundled model, named
    # by its folder, stands in for another model here.)
    import torch

    torch.set_num_threads(2)
    named = embed_texts(TEXTS, model=resolve_model_path(None))
    assert torch.get_num_threads() == 1
    assert np.allclose(named, embed_texts(TEXTS), atol=1e-5)  # the numpy encoder's vectors are the same
