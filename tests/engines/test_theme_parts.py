"""Checks of the theme engine's parts: cleaning, labels, keyword rule, the story tree (labels parse with spaCy: slow)."""
import numpy as np
import pytest

from engines.themes.clean import clean_for_themes
from engines.themes.keywords import multi_story_phrases
from engines.themes.labels import is_noun_phrase, label_from_keywords
from engines.themes.stories import build_hierarchy, choose_k, cut, refine, story_matrix


def test_placeholders_and_hesitations_are_not_what_discovery_reads():
    text = "um I moved to [place] with [name], you know, and erm the hostel was full."
    cleaned = clean_for_themes(text)
    assert "[" not in cleaned and "um" not in cleaned.split() and "erm" not in cleaned and "you know" not in cleaned
    assert "hostel was full" in cleaned


@pytest.mark.slow
def test_labels_are_noun_phrases_when_word_classes_are_known():
    classes = {"different": "ADJ", "evenings": "NOUN", "tell": "VERB", "trust": "NOUN", "hostel": "NOUN",
               "council": "NOUN", "drug": "NOUN", "worker": "NOUN"}
    assert label_from_keywords(["different", "tell", "hostel", "council"], classes) == "Hostel and council"
    assert label_from_keywords(["tell", "drug worker", "trust"], classes) == "Drug worker and trust"
    assert not is_noun_phrase("trust and tell", classes) and is_noun_phrase("drug worker", classes)
    assert label_from_keywords(["tell", "different"], classes) == "Unnamed theme"


def test_a_keyword_must_be_said_in_two_stories():
    texts = ["the hostile was full", "the hostel was full", "another hostel story"]
    allowed = multi_story_phrases(texts, ["a", "b", "c"])
    assert "hostel" in allowed and "hostile" not in allowed


def test_one_tree_cut_at_any_k_and_refined_on_passages():
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(3, 16))
    story_ids, rows = [], []
    for story in range(12):
        for _ in range(3):
            story_ids.append(f"s{story}")
            rows.append(centres[story % 3] + 0.3 * rng.normal(size=16))
    passages = np.asarray(rows, dtype="float32")
    passages /= np.linalg.norm(passages, axis=1, keepdims=True)
    stories, order, story_rows = story_matrix(passages, story_ids)
    tree = build_hierarchy(stories)
    assert choose_k(stories, tree, 2, 8) == 3
    labels = refine(passages, story_rows, cut(tree, len(order), 3))
    truth = [int(s[1:]) % 3 for s in order]
    assert len({(t, l) for t, l in zip(truth, labels)}) == 3  # each true group is one theme
    assert len(set(cut(tree, len(order), 5).tolist())) == 5 and len(set(cut(tree, len(order), 2).tolist())) == 2


@pytest.mark.slow
def test_a_keyword_with_a_verb_after_its_noun_still_gives_the_noun():
    # bench/themes.py: trust themes came out "Risk information and rings" because every trust keyword
    # ("trust takes", "trust gets") ends in a verb and was dropped whole.
    classes = {"trust": "NOUN", "takes": "VERB", "gets": "VERB", "risk": "NOUN", "information": "NOUN", "heroin": "NOUN", "took": "VERB"}
    assert label_from_keywords(["trust takes", "trust gets", "risk information"], classes) == "Trust and risk information"
    assert label_from_keywords(["heroin took", "risk information"], classes) == "Heroin and risk information"


def test_each_storyteller_role_is_centred_on_its_own_voice():
    # bench/themes.py, session 7: staff and people on probation tell every theme in their own voice;
    # centred on the corpus mean alone, stories group by who tells them before what they are about.
    from engines.themes.features import centre, centre_by_group

    rng = np.random.default_rng(1)
    voices, themes = rng.normal(size=(2, 32)) * 3, rng.normal(size=(2, 32))
    rows, roles, theme_of = [], [], []
    for n in range(24):
        role, theme = n % 2, (n // 2) % 2
        rows.append(voices[role] + themes[theme] + 0.2 * rng.normal(size=32))
        roles.append(["staff", "service_user"][role])
        theme_of.append(theme)
    rows, theme_of = np.asarray(rows, dtype="float32"), np.array(theme_of)
    roles_arr = np.array(roles)

    def same_theme_across_roles_closer(vectors):
        sims = vectors @ vectors.T
        across = sims[np.ix_(roles_arr == "staff", roles_arr == "service_user")]
        same = theme_of[roles_arr == "staff"][:, None] == theme_of[roles_arr == "service_user"][None, :]
        within = sims[np.ix_(roles_arr == "staff", roles_arr == "staff")]
        differ = theme_of[roles_arr == "staff"][:, None] != theme_of[roles_arr == "staff"][None, :]
        return across[same].mean() > within[differ].mean()

    assert not same_theme_across_roles_closer(centre(rows))
    assert same_theme_across_roles_closer(centre_by_group(rows, roles))


def test_the_mix_reads_each_passage_without_its_story_mixed_in():
    # Read with half its story mixed in, a passage on another theme never left its story's theme
    # (tree pipeline: mix recall 0.14-0.27 on four of six corpora).
    from engines.themes import discover_themes

    rng = np.random.default_rng(2)
    centres = rng.normal(size=(3, 24)) * 2
    passages, vectors = [], []
    for story in range(12):
        main = story % 3
        for n in range(3):
            # A passage on another theme still says a little of its story's own ("the hostel, and my drinking").
            other = 0.7 * centres[(main + 1) % 3] + 0.3 * centres[main]
            passages.append({"id": f"s{story}-{n}", "story_id": f"s{story}", "text": "words", "role": "service_user"})
            vectors.append((other if (story < 6 and n == 2) else centres[main]) + 0.3 * rng.normal(size=24))
    vectors = np.asarray(vectors, dtype="float32")
    base = {"pipeline": "tree", "k_criterion": "sqrt", "keywords": False, "n_themes": 3}
    blended = discover_themes(passages, vectors, settings={**base, "mix_story_context": 0.5, "passage_switch_margin": 0.1})
    alone = discover_themes(passages, vectors, settings={**base, "mix_story_context": 0.0, "passage_switch_margin": 0.1})
    assert all(len(blended.story_mix[f"s{s}"]) == 1 for s in range(6))
    assert all(len(alone.story_mix[f"s{s}"]) == 2 for s in range(6))
    assert all(len(alone.story_mix[f"s{s}"]) == 1 for s in range(6, 12))

def test_a_passage_is_cleaned_once_per_process():
    """The job cleans each passage for its embedding key and the engine cleans it again; a rebuild in the
    running worker cleans only what changed (the texts of 3,000 stories took ~3 s of regex on a busy machine)."""
    from engines.themes.clean import clean_for_themes

    text = "Um, the rent, you know, went up again in [place] this spring, once more."
    first = clean_for_themes(text)
    hits = clean_for_themes.cache_info().hits
    assert clean_for_themes(text) == first == "the rent, went up again in this spring, once more."
    assert clean_for_themes.cache_info().hits == hits + 1


def test_a_passages_phrases_are_found_once_per_process():
    """Keyword counting reads each passage's phrases twice (stories per phrase, then BERTopic's counts), and a
    rebuild reads the unchanged passages again: each text is split once; callers get their own list."""
    from engines.themes.labels import phrase_analyzer, phrases_of

    text = "The debt adviser helped. Payday loans, again."
    first = phrase_analyzer(text)
    hits = phrases_of.cache_info().hits
    first.append("changed by a caller")
    assert phrase_analyzer(text) == ["debt", "adviser", "helped", "debt adviser", "adviser helped", "payday",
                                     "loans", "payday loans"]
    assert phrases_of.cache_info().hits == hits + 1

