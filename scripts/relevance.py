#!/usr/bin/env python3
"""nDCG@10 and recall@50 of `kumiai search` beside a plain BM25 baseline, per query class.

    scripts/relevance.py [--kumiai target/release/kumiai] [--verbose]

Queries: benches/relevance/queries.tsv; graded judgments (0/1/2, made by reading the corpus,
not from any search output): benches/relevance/qrels.tsv. A "document" is a corpus file, or
for the printed survey one respondent record (単組), keyed `jichiro-survey-2024/<単組>`.

kumiai's ranking is the order in which documents first appear in `search --format json`.
The baseline is Okapi BM25 (k1 1.2, b 0.75) over whole documents tokenized by
`mecab -Owakati` (IPADIC), the query tokenized the same way — what a short script would do.
Needs mecab (apt-get install mecab mecab-ipadic-utf8).
"""

import argparse
import collections
import json
import math
import subprocess
import sys
import tempfile
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpora"
REL = ROOT / "benches" / "relevance"
SURVEY = "jichiro-survey-2024"


def documents():
    """Document key -> text, read from the corpus files directly (no kumiai code involved)."""
    docs = {}
    for f, key in [
        ("jcm-2025-katsudo-hoshin.txt", "jcm-2025"),
        ("rengo-kanagawa-2024-undo-hoshin.txt", "rengo-kanagawa-2024"),
        ("jichiroren-saitama-2024-undo-mokuhyo.txt", "jichiroren-saitama-2024"),
        ("ictj-2024-11-rising-session.md", "ictj-2024-11"),
    ]:
        docs[key] = (CORPUS / f).read_text(encoding="utf-8-sig")
    lines = (CORPUS / f"{SURVEY}.txt").read_text(encoding="utf-8").split("\n")
    starts = [i for i, l in enumerate(lines) if l.startswith(" 県本部")] + [len(lines)]
    for a, b in zip(starts, starts[1:]):
        local = lines[a + 2].replace("単　組", "").strip()
        body = [l for l in lines[a:b] if not l.startswith("記入者お名前")]
        docs[f"{SURVEY}/{local}"] = "\n".join(body)
    return docs


def fold(text):
    return unicodedata.normalize("NFKC", text).lower()


def wakati(texts):
    """Each text as mecab morphemes (line by line: mecab cuts very long lines)."""
    out = []
    for text in texts:
        lines = fold(text).replace("\r", "").split("\n")
        res = subprocess.run(["mecab", "-Owakati"], input=("\n".join(lines) + "\n").encode(),
                             capture_output=True, check=True).stdout
        words = res.decode("utf-8", errors="replace").split()
        out.append([w for w in words if any(c.isalnum() for c in w)])
    return out


class BM25:
    def __init__(self, docs, k1=1.2, b=0.75):
        self.keys = list(docs)
        self.tokens = wakati([docs[k] for k in self.keys])
        self.tf = [collections.Counter(t) for t in self.tokens]
        self.df = collections.Counter(w for tf in self.tf for w in tf)
        self.avg = sum(map(len, self.tokens)) / len(self.tokens)
        self.k1, self.b = k1, b

    def rank(self, query):
        terms = [w for q in wakati([query]) for w in q]
        n = len(self.keys)
        scored = []
        for key, tf, toks in zip(self.keys, self.tf, self.tokens):
            s = 0.0
            for w in terms:
                if tf[w]:
                    idf = math.log(1 + (n - self.df[w] + 0.5) / (self.df[w] + 0.5))
                    norm = self.k1 * (1 - self.b + self.b * len(toks) / self.avg)
                    s += idf * tf[w] * (self.k1 + 1) / (tf[w] + norm)
            if s > 0:
                scored.append((s, key))
        scored.sort(key=lambda p: (-p[0], p[1]))
        return [k for _, k in scored]


def kumiai_rank(binary, index, query):
    out = subprocess.run(
        [binary, "search", "--corpus", str(CORPUS), "--index", index,
         "--format", "json", "--limit", "1000", "--", query],
        capture_output=True, text=True,
    )
    if out.returncode not in (0, 1):
        sys.exit(f"kumiai search {query!r} failed: {out.stderr}")
    text = out.stdout.strip()
    if text.startswith("{") and "\n" not in text:
        parsed = json.loads(text)
        hits = parsed["hits"] if "hits" in parsed else [parsed]
    else:
        hits = [json.loads(l) for l in text.splitlines() if l.strip()]
    order = []
    for h in hits:
        key = f"{h['doc']}/{h['local']}" if h.get("local") else h["doc"]
        if key not in order:
            order.append(key)
    return order


def ndcg(ranking, grades, k=10):
    dcg = sum((2 ** grades.get(d, 0) - 1) / math.log2(i + 2) for i, d in enumerate(ranking[:k]))
    ideal = sorted(grades.values(), reverse=True)[:k]
    idcg = sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def recall(ranking, grades, k=50):
    relevant = {d for d, g in grades.items() if g > 0}
    return len(relevant & set(ranking[:k])) / len(relevant) if relevant else 0.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kumiai", default=str(ROOT / "target" / "release" / "kumiai"))
    ap.add_argument("--verbose", action="store_true", help="per-query figures and rankings")
    args = ap.parse_args()
    queries = [l.rstrip("\n").split("\t") for l in open(REL / "queries.tsv", encoding="utf-8")
               if l.strip() and not l.startswith("#")]
    qrels = collections.defaultdict(dict)
    for l in open(REL / "qrels.tsv", encoding="utf-8"):
        if l.strip() and not l.startswith("#"):
            qid, doc, grade = l.rstrip("\n").split("\t")
            qrels[qid][doc] = int(grade)
    docs = documents()
    unknown = {d for g in qrels.values() for d in g} - set(docs)
    if unknown:
        sys.exit(f"qrels name unknown documents: {sorted(unknown)}")
    bm25 = BM25(docs)
    rows = collections.defaultdict(list)
    with tempfile.TemporaryDirectory() as index:
        for qid, cls, query in queries:
            ours = kumiai_rank(args.kumiai, index, query)
            base = bm25.rank(query)
            g = qrels[qid]
            fig = (ndcg(ours, g), recall(ours, g), ndcg(base, g), recall(base, g))
            rows[cls].append(fig)
            rows["all"].append(fig)
            if args.verbose:
                print(f"{qid} {query}: kumiai nDCG {fig[0]:.3f} R {fig[1]:.2f} | "
                      f"bm25 nDCG {fig[2]:.3f} R {fig[3]:.2f}")
                print("   kumiai:", " ".join(f"{d.split('/')[-1][:8]}={g.get(d, 0)}" for d in ours[:10]))
                print("   bm25:  ", " ".join(f"{d.split('/')[-1][:8]}={g.get(d, 0)}" for d in base[:10]))
    print(f"{'class':<10} {'queries':>7} {'kumiai nDCG@10':>15} {'R@50':>6} {'BM25 nDCG@10':>13} {'R@50':>6}")
    for cls in ["single", "compound", "two", "inflected", "all"]:
        if cls not in rows:
            continue
        r = rows[cls]
        m = [sum(x[i] for x in r) / len(r) for i in range(4)]
        print(f"{cls:<10} {len(r):>7} {m[0]:>15.3f} {m[1]:>6.2f} {m[2]:>13.3f} {m[3]:>6.2f}")


if __name__ == "__main__":
    main()
