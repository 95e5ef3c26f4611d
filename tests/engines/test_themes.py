"""Theme engine tests with the real bundled model on the dev corpus (embedded once per module)."""
import json
import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from engines.themes import (  # noqa: E402
    TooFewStoriesError,
    discover_themes,
    label_for,
    recluster_theme,
    split_passages,
)
from engines.themes.labels import is_informative  # noqa: E402

CORPUS = Path(__file__).resolve().parents[2] / "demo" / "dev_stories.json"


@pytest.fixture(scope="module")
def corpus():
    data = json.loads(CORPUS.read_text())
    passages = []
    for story in data["stories"]:
        for p in split_passages([{"start": None, "end": None, "text": story["text"]}]):
            passages.append({"id": f"{story['id']}-{p.index}", "story_id": story["id"], "text": p.text, "role": story["role"]})
    from engines.embeddings import embed_texts

    embeddings = embed_texts([p["text"] for p in passages])
    return data, passages, embeddings


@pytest.fixture(scope="module")
def unseeded(corpus):
    _, passages, embeddings = corpus
    return discover_themes(passages, embeddings)


# --- split_passages ---------------------------------------------------------

def test_split_passages_follows_segment_times_across_boundaries():
    segments = [
        {"start": 0.0, "end": 4.0, "text": "I came out on a Friday. The council"},
        {"start": 4.0, "end": 8.0, "text": "office was shut. I slept in a stairwell."},
        {"start": 9.0, "end": 12.0, "text": "On Monday I queued for hours. Nobody helped."},
    ]
    passages = split_passages(segments, max_sentences=2)
    assert [p.index for p in passages] == [0, 1, 2]
    assert passages[0].text == "I came out on a Friday. The council office was shut."
    assert passages[0].start == 0.0 and 4.0 < passages[0].end < 8.0
    assert passages[1].text.startswith("I slept") and 4.0 < passages[1].start < 8.0 < 9.0 < passages[1].end < 12.0
    assert passages[-1].end == 12.0
    starts = [p.start for p in passages]
    assert starts == sorted(starts)


def test_split_passages_typed_story_has_no_times_and_balanced_groups():
    text = "One two. Three four. Five six. Seven eight."
    passages = split_passages([{"start": None, "end": None, "text": text}], max_sentences=3)
    assert [p.text for p in passages] == ["One two. Three four.", "Five six. Seven eight."]
    assert all(p.start is None and p.end is None for p in passages)


def test_split_passages_respects_word_limit_and_empty_input():
    long_sentence = " ".join(["word"] * 50) + "."
    passages = split_passages([{"start": 0, "end": 10, "text": f"{long_sentence} {long_sentence}"}], max_words=80)
    assert len(passages) == 2
    assert split_passages([]) == []


# --- discover_themes ---------------------------------------------------------

@pytest.mark.slow
def test_unseeded_themes_cover_every_story_with_readable_labels(corpus, unseeded):
    data, passages, _ = corpus
    assert 3 <= len([t for t in unseeded.themes if not t.is_outlier]) <= 12
    assert set(unseeded.story_main) == {s["id"] for s in data["stories"]}
    for theme in unseeded.themes:
        if theme.is_outlier:
            continue
        assert "_" not in theme.label and is_informative(theme.label), theme.label
        assert theme.keywords and all(is_informative(k) for k in theme.keywords)
        assert set(theme.representative_passage_ids) <= set(theme.passage_ids)
        assert len({pid.split("-")[0] for pid in theme.passage_ids}) >= 2  # min_stories
    for mix in unseeded.story_mix.values():
        assert sum(mix.values()) == pytest.approx(1.0, abs=1e-3)
    assert unseeded.to_dict()["settings"]["random_state"] == 42


@pytest.mark.slow
def test_same_input_gives_same_themes(corpus, unseeded):
    _, passages, embeddings = corpus
    again = discover_themes(passages, embeddings)
    assert again.assignments == unseeded.assignments
    assert [t.label for t in again.themes] == [t.label for t in unseeded.themes]


def _housing_and_money(data) -> list[dict]:
    """Two seeds written from the corpus's own theme descriptions."""
    return [{"name": "Housing", "description": data["themes"]["housing"]},
            {"name": "Money", "description": data["themes"]["money"]}]


@pytest.mark.slow
def test_seeds_are_honoured_and_new_themes_still_found(corpus):
    from sklearn.metrics import adjusted_rand_score

    data, passages, embeddings = corpus
    result = discover_themes(passages, embeddings, seeds=_housing_and_money(data))
    seeded = {t.seed_name: t for t in result.themes if t.seed_name}
    assert set(seeded) == {"Housing", "Money"}
    assert seeded["Housing"].label == "Housing"
    housing_stories = {pid.split("-")[0] for pid in seeded["Housing"].passage_ids}
    assert len(housing_stories & {"d06", "d07", "d08", "d09", "d10"}) >= 3
    assert any(t.seed_name is None and not t.is_outlier for t in result.themes)  # new themes beyond the seeds

    all_seeds = [{"name": k, "description": v} for k, v in data["themes"].items()]
    full = discover_themes(passages, embeddings, seeds=all_seeds)
    truth = [s["theme"] for s in data["stories"]]
    found = [str(full.story_main[s["id"]]) for s in data["stories"]]
    assert adjusted_rand_score(truth, found) > 0.5


def _story_ari(data, result):
    from sklearn.metrics import adjusted_rand_score

    truth = [s["theme"] for s in data["stories"]]
    return adjusted_rand_score(truth, [str(result.story_main[s["id"]]) for s in data["stories"]])


@pytest.mark.slow
def test_unseeded_story_themes_regression_guard(corpus, unseeded):
    # Story-level agglomerative clustering is deterministic: 0.51 for every random_state on the dev corpus.
    data, passages, embeddings = corpus
    assert _story_ari(data, unseeded) >= 0.45
    other_seed = discover_themes(passages, embeddings, random_state=3)
    assert other_seed.story_main == unseeded.story_main


@pytest.mark.slow
def test_seeded_themes_regression_guard_and_keywords(corpus):
    data, passages, embeddings = corpus
    all_seeds = [{"name": k, "description": v} for k, v in data["themes"].items()]
    result = discover_themes(passages, embeddings, seeds=all_seeds)
    assert _story_ari(data, result) >= 0.75  # 0.82 measured
    housing = " ".join(result.theme("seed-housing").keywords)
    assert any(word in housing for word in ("hous", "tenan", "flat", "home"))


@pytest.mark.slow
def test_two_seeds_do_not_swallow_the_corpus(corpus):
    data, passages, embeddings = corpus
    result = discover_themes(passages, embeddings, seeds=_housing_and_money(data))
    # Calibrated threshold: each seed keeps well under a third of the 55 passages (0.12 gave Money 22).
    assert len(result.theme("seed-money").passage_ids) <= 15
    assert len(result.theme("seed-housing").passage_ids) <= 12


@pytest.mark.slow
def test_too_few_stories_raises_unless_seeded(corpus):
    _, passages, embeddings = corpus
    few = [i for i, p in enumerate(passages) if p["story_id"] in {"d01", "d06", "d11"}]
    few_passages = [passages[i] for i in few]
    with pytest.raises(TooFewStoriesError, match="stories"):
        discover_themes(few_passages, embeddings[few])
    result = discover_themes(few_passages, embeddings[few], seeds=[{"name": "Drink and drugs", "description": "drugs, alcohol, recovery"}])
    assert result.story_main["d11"] == "seed-drink-and-drugs"


# --- recluster and relabel ---------------------------------------------------

@pytest.mark.slow
def test_recluster_splits_a_mixed_theme(corpus):
    _, passages, embeddings = corpus
    rows = [i for i, p in enumerate(passages) if p["story_id"] in {"d06", "d07", "d09", "d21", "d23"}]
    groups = recluster_theme([passages[i] for i in rows], embeddings[rows], n_clusters=2)
    assert len(groups) == 2 and sorted(sum(groups, [])) == sorted(passages[i]["id"] for i in rows)
    assert groups == recluster_theme([passages[i] for i in rows], embeddings[rows], n_clusters=2)


@pytest.mark.slow
def test_label_for_names_a_hand_made_theme(corpus):
    data, _, _ = corpus
    label, keywords = label_for([s["text"] for s in data["stories"] if s["theme"] == "housing"])
    assert is_informative(label) and label[0].isupper()
    assert any(word in " ".join(keywords) for word in ("tenan", "hous", "flat", "bedsit"))
    assert label_for(["the and of it"]) == ("Unnamed theme", [])


@pytest.mark.slow
def test_labels_keep_acronyms_readable():
    from engines.themes.labels import label_from_keywords

    assert label_from_keywords(["alcohol requirement", "adhd", "drinking"]) == "Alcohol requirement and ADHD"
    assert label_from_keywords(["gp appointments", "benefits"]) == "GP appointments and benefits"
