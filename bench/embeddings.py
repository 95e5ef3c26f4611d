"""The bundled MiniLM in numpy (what every worker runs) against sentence-transformers (the plain baseline).

Each run is a fresh process, as a worker starts: CPU seconds to load the model (imports included) and
to embed the dev corpus's passages and 300 longer texts; medians of three runs, the load average beside.
Usage: python bench/embeddings.py
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUN = """
import json, random, resource, sys
def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime
from engines.themes import split_passages
stories = [s["text"] for s in json.load(open("demo/dev_stories.json"))["stories"]]
passages = [p.text for t in stories for p in split_passages([{"start": None, "end": None, "text": t}])]
random.seed(1)
longer = [" ".join(random.sample(passages, 2)) for _ in range(300)]
start = cpu()
if sys.argv[1] == "numpy":
    from engines.embeddings import embed_texts as embed
    embed(["warm up"])
else:
    from engines.embeddings import _use_threads, load_model
    model = load_model()
    _use_threads(1)
    embed = lambda texts: model.encode(texts, batch_size=32, normalize_embeddings=True, show_progress_bar=False)
    embed(["warm up"])
out = {"load": cpu() - start}
for name, texts in (("passages", passages), ("longer", longer)):
    start = cpu()
    embed(texts)
    out[name] = cpu() - start
print(json.dumps(out))
"""


def _run(kind: str) -> dict:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    done = subprocess.run([sys.executable, "-c", RUN, kind], cwd=ROOT, env=env, capture_output=True, text=True,
                          check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    print(f"load average at start: {os.getloadavg()[0]:.2f}")
    results = {kind: [_run(kind) for _ in range(3)] for kind in ("numpy", "sentence-transformers")}
    print(f"{'CPU seconds (median of 3)':28} {'numpy':>8} {'sentence-transformers':>22} {'ratio':>6}")
    for step in ("load", "passages", "longer"):
        ours, theirs = (statistics.median(r[step] for r in results[k]) for k in results)
        print(f"{step:28} {ours:8.2f} {theirs:22.2f} {ours / theirs:6.2f}")
    print(f"load average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
