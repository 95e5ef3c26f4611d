"""Benchmark redaction recall/precision on the dev corpus with identifying details planted.

Each dev story gets details (names, places, organisations, phones, emails,
postcodes, NI and prison numbers, dates of birth, addresses) inserted between its
sentences in speech-like templates, at seeded random positions, with the true
spans recorded. A lowercase copy imitates a transcript without capitals.

A true span is found if one detected span covers >= 80% of its characters (any
kind). Precision per detected kind: detected spans overlapping a true span, over
all detected spans of that kind. Also prints the safeguarding flag rate on the
unaltered corpus. Names come from Faker's en_GB lists, not from the detector's
own word lists, and a third of the places are towns missing from those lists.

Run: .venv/bin/python bench/redaction.py [--rounds N]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

CORPUS = Path(os.environ.get("STORYLOOM_DEV_CORPUS", ROOT / "demo" / "dev_stories.json"))

PLACES = [
    "Leeds", "Bradford", "Sheffield", "Manchester", "Doncaster", "Hull", "Wakefield", "Barnsley",
    "Middlesbrough", "Sunderland", "Nottingham", "Derby", "Coventry", "Luton", "Croydon", "Peckham",
    "Blackpool", "Preston", "Stoke", "Swindon", "Norwich", "Cardiff", "Glasgow", "Hartlepool",
    # Not in the bundled place list:
    "Goole", "Pontefract", "Keighley", "Batley", "Dewsbury", "Castleford", "Accrington",
    "Morecambe", "Scunthorpe", "Rhyl", "Merthyr Tydfil", "Workington",
]
ORGANISATIONS = [
    "HMP Wandsworth", "HMP Leeds", "HMP Styal", "HMYOI Feltham", "HMP Doncaster", "Turning Point",
    "St Mungo's", "Shelter", "Nacro", "Leeds City Council", "the Salvation Army",
    "Change Grow Live", "Barnardo's", "Wakefield Council",
]
STREET_WORDS = ["Acacia", "Church", "Station", "Victoria", "Mill", "Queen", "Albert", "Chapel",
                "Elm", "Beech", "Windsor", "Clarence", "Cemetery", "Manor", "Oak"]
STREET_SUFFIXES = ["Road", "Street", "Close", "Avenue", "Lane", "Drive", "Crescent", "Terrace",
                   "Way", "Grove", "Gardens"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]
SPOKEN = ["oh", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]

TEMPLATES = {
    "name": [
        "My probation officer {name} said I was doing well.",
        "I told {name} about it the next day.",
        "My mate {first} came with me to the first one.",
        "{name} from the hostel rang me that morning.",
        "Me and {first} used to get into all sorts.",
        "The worker, {name}, never gave up on me.",
    ],
    "place": ["I grew up in {place} and never left.", "They moved me to a hostel in {place}.",
              "My family are all in {place} now."],
    "organisation": ["I did six months in {org}.", "{org} helped me sort my rent out.",
                     "I got a referral to {org} in the end."],
    "phone": ["Call me on {phone} if you want to hear more.", "My number is {phone}.",
              "She gave me her number, {phone}, and said ring any time."],
    "email": ["You can email me at {email}.", "My email is {email} if you need it."],
    "postcode": ["The postcode is {postcode}.", "It is near {postcode}, by the shops."],
    "ni_number": ["My national insurance number is {ni}.", "They kept asking for my NI, {ni}."],
    "prison_number": ["My prison number was {prison_number}.", "Inside I was just {prison_number}."],
    "date_of_birth": ["I was born on {dob}.", "My date of birth is {dob}.",
                      "On the form I put {dob} as my birthday."],
    "address": ["I live at {address} now.", "They put me in a flat at {address}.",
                "Send it to {address}, that is my mum's."],
}


def _phone(rng: random.Random) -> str:
    tail = f"{rng.randrange(1000):03d}"
    forms = [f"07700 900{tail}", f"07700900{tail}", f"+44 7700 900{tail}", f"0113 496 0{tail}",
             f"020 7946 0{tail}", f"01632 960{tail}", f"(0161) 496 0{tail}", f"07700-900-{tail}"]
    if rng.random() < 0.15:  # a number read out as words
        digits = f"07700900{tail}"
        return " ".join(SPOKEN[int(d)] for d in digits)
    return rng.choice(forms)


def _dob(rng: random.Random) -> str:
    day, month, year = rng.randint(1, 28), rng.randrange(12), rng.randint(1960, 2005)
    suffix = {1: "st", 2: "nd", 3: "rd", 21: "st", 22: "nd", 23: "rd"}.get(day, "th")
    forms = [f"{day:02d}/{month + 1:02d}/{year}", f"the {day}{suffix} of {MONTHS[month]} {year}",
             f"{MONTHS[month]} {day}{suffix} {year}", f"{day} {MONTHS[month]} {year}",
             f"{day}-{month + 1}-{str(year)[2:]}"]
    return rng.choice(forms)


def _fill(kind: str, rng: random.Random, fake) -> tuple[str, list[tuple[str, str]]]:
    """A template sentence for `kind` and its (slot text, kind) details in order."""
    from faker.providers.person.en_GB import Provider as Person

    template = rng.choice(TEMPLATES[kind])
    first = rng.choice(list(Person.first_names_male) + list(Person.first_names_female))
    last = rng.choice(list(Person.last_names))
    values = {
        "name": f"{first} {last}", "first": first, "place": rng.choice(PLACES),
        "org": rng.choice(ORGANISATIONS), "phone": _phone(rng),
        "postcode": fake.postcode(),
        "ni": rng.choice(["{}{}{}", "{} {} {}"]).format(
            rng.choice(["QQ", "AB", "JK", "NP", "TW", "CE"]),
            rng.choice(["{:02d}{:02d}{:02d}", "{:02d} {:02d} {:02d}"]).format(*[rng.randrange(100) for _ in range(3)]),
            rng.choice("ABCD")).replace("  ", " "),
        "prison_number": f"{rng.choice('ABGHKL')}{rng.randrange(10000):04d}{rng.choice('ABCDEFGH')}{rng.choice('ABCDEFGH')}",
        "dob": _dob(rng),
        "address": (f"flat {rng.randint(1, 30)}, " if rng.random() < 0.25 else "")
        + f"{rng.randint(1, 250)} {rng.choice(STREET_WORDS + [last])} {rng.choice(STREET_SUFFIXES)}",
    }
    local = f"{first}.{last}".lower() if rng.random() < 0.5 else f"{first.lower()}{rng.randint(1, 99)}"
    domain = rng.choice(["gmail.com", "hotmail.co.uk", "yahoo.com", "outlook.com"])
    values["email"] = (f"{local}@{domain}" if rng.random() < 0.85
                       else f"{local.replace('.', ' dot ')} at {domain.replace('.', ' dot ')}")
    slots = [(m.group(1), m.start()) for m in re.finditer(r"\{(\w+)\}", template)]
    slot_kind = {"name": "name", "first": "name", "org": "organisation", "ni": "ni_number",
                 "dob": "date_of_birth"}
    return template.format(**values), [(values[s], slot_kind.get(s, s)) for s, _ in slots]


def build_corpus(stories: list[dict], rounds: int, seed: int = 7):
    """Return [(text, [(start, end, kind)])] with details planted between sentences."""
    from faker import Faker

    rng = random.Random(seed)
    fake = Faker("en_GB")
    fake.seed_instance(seed)
    kinds = list(TEMPLATES)
    planted = []
    for round_index in range(rounds):
        for story in stories:
            sentences = re.split(r"(?<=[.!?])\s+", story["text"])
            chosen = rng.sample(kinds, 4) if round_index % 2 else [kinds[(round_index * 3 + i) % len(kinds)] for i in range(4)]
            for kind in chosen:
                sentence, details = _fill(kind, rng, fake)
                sentences.insert(rng.randint(0, len(sentences)), (sentence, details))
            text, truth = "", []
            for item in sentences:
                sentence, details = item if isinstance(item, tuple) else (item, [])
                offset = len(text) + (1 if text else 0)
                text = f"{text} {sentence}" if text else sentence
                search_from = offset
                for value, kind in details:
                    start = text.index(value, search_from)
                    truth.append((start, start + len(value), kind))
                    search_from = start + len(value)
            planted.append((text, truth))
    return planted


def score(planted, detect) -> tuple[dict, dict, float]:
    """Recall per true kind, precision per detected kind, and seconds per story."""
    found, total = defaultdict(int), defaultdict(int)
    hits, detected = defaultdict(int), defaultdict(int)
    missed = defaultdict(list)
    started = time.perf_counter()
    for text, truth in planted:
        spans = detect(text)
        for start, end, kind in truth:
            total[kind] += 1
            if any(min(end, s.end_char) - max(start, s.start_char) >= 0.8 * (end - start) for s in spans):
                found[kind] += 1
            elif len(missed[kind]) < 4:
                missed[kind].append(text[start:end])
        for span in spans:
            detected[span.kind] += 1
            if any(span.start_char < end and span.end_char > start for start, end, _ in truth):
                hits[span.kind] += 1
    per_story = (time.perf_counter() - started) / max(1, len(planted))
    recall = {k: (found[k], total[k], missed[k]) for k in total}
    precision = {k: (hits[k], detected[k]) for k in detected}
    return recall, precision, per_story


def _print(title: str, recall, precision, per_story: float) -> None:
    print(f"\n== {title}  ({per_story * 1000:.0f} ms per story)")
    print(f"{'kind':15} {'recall':>8} {'found/total':>12}   missed examples")
    for kind in TEMPLATES:
        got, total, missed = recall.get(kind, (0, 0, []))
        print(f"{kind:15} {got / max(1, total):8.3f} {got:5d}/{total:<6d}   {'; '.join(missed)[:70]}")
    print(f"{'detected kind':15} {'precision':>9} {'true/detected':>14}")
    for kind in sorted(precision):
        hit, det = precision[kind]
        print(f"{kind:15} {hit / max(1, det):9.3f} {hit:6d}/{det:<6d}")
    hit = sum(h for h, _ in precision.values())
    det = sum(d for _, d in precision.values())
    print(f"{'all':15} {hit / max(1, det):9.3f} {hit:6d}/{det:<6d}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=4, help="passes over the 30 stories")
    parser.add_argument("--seed", type=int, default=7, help="seed for planted details and positions")
    args = parser.parse_args()

    from engines.redaction import detect_redactions, load_nlp

    stories = json.loads(CORPUS.read_text(encoding="utf-8"))["stories"]
    started = time.perf_counter()
    nlp = load_nlp()
    print(f"spaCy load {time.perf_counter() - started:.2f} s; {len(stories)} stories x {args.rounds} rounds, "
          f"4 details each, seed {args.seed}")

    clean_spans = sum(len(detect_redactions(s["text"], nlp=nlp)) for s in stories)
    clean_lower = sum(len(detect_redactions(s["text"].lower(), nlp=nlp)) for s in stories)
    print(f"spans found in the unaltered corpus (all false positives): cased {clean_spans}, lowercase {clean_lower}")

    planted = build_corpus(stories, args.rounds, args.seed)
    _print("cased", *score(planted, lambda t: detect_redactions(t, nlp=nlp)))
    lowered = [(text.lower(), truth) for text, truth in planted]
    _print("lowercase", *score(lowered, lambda t: detect_redactions(t, nlp=nlp)))

    from engines.safeguarding import flag_risks

    started = time.perf_counter()
    flags = flag_risks([s["text"] for s in stories])
    elapsed = time.perf_counter() - started
    flagged = sorted({f.passage_index for f in flags})
    print(f"\n== safeguarding on the unaltered corpus: {len(flagged)}/{len(stories)} stories flagged "
          f"({elapsed:.1f} s incl. model load)")
    for flag in flags:
        print(f"  {stories[flag.passage_index]['id']} {flag.category:15} {flag.score:.2f} {flag.evidence[:70]}")


if __name__ == "__main__":
    main()
