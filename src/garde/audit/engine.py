"""Running an audit: sampling design, resumable checkpoint, local process pool or Ray Data.

Layout of an output folder::

    design.json          the source, the sampling design and the strata sizes (a rerun must match it)
    rows.jsonl           one JSON row per finished image, appended as batches finish
    checkpoint.txt       the ids whose rows are safely in rows.jsonl (written after the rows, fsynced)
    images.parquet/.csv  the per-image table (written at the end)
    for_authorities.jsonl  id + hashes of apparent minors with exposure above "covered"
    summary.json, report.html

A rerun reads ``checkpoint.txt``, drops any row written after the last checkpoint
(a crash between the two writes), and inspects only what is left.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import sys
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from garde.audit.inspect import DEFAULT_INSPECTOR, Inspector, load_inspector, ort_threads_for
from garde.audit.readers import Corpus, Item, read_source
from garde.audit.rows import error_row
from garde.audit.stats import stratified_sample
from garde.errors import InputError

__all__ = ["AuditConfig", "AuditResult", "run_audit", "select"]

DESIGN_VERSION = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditConfig:
    source: str
    out: Path
    sample: int | None = None
    seed: int = 0
    strata: str | None = None
    engine: str = "local"
    workers: int = 2
    batch_size: int = 16
    inspector: str = DEFAULT_INSPECTOR
    progress: bool = True
    ray_address: str | None = None
    path_column: str | None = None
    original_column: str | None = None
    prompt_column: str | None = None
    id_column: str | None = None
    report: bool = True
    limit: int | None = None  # process at most this many pending images in this run (then stop, resumable)


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditResult:
    out: Path
    selected: int
    processed_now: int
    already_done: int
    complete: bool
    seconds: float
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.processed_now / self.seconds if self.seconds > 0 else 0.0


# --------------------------------------------------------------------------- design


def _stratum(item: Item, column: str | None) -> str:
    if column is None:
        return "all"
    meta = item.meta_dict()
    return meta.get(column, "") or "(blank)"


def select(corpus: Corpus, sample: int | None, seed: int, strata: str | None,
           analyzer: str = "") -> tuple[list[Item], dict[str, Any]]:
    """The items to inspect and the design record (population sizes per stratum)."""
    if strata is not None and strata not in corpus.meta_columns:
        raise InputError(f"--strata {strata!r} is not a metadata column of {corpus.source!r}; "
                         f"columns: {', '.join(corpus.meta_columns) or '(none)'}")
    labels = [_stratum(it, strata) for it in corpus.items]
    population: dict[str, int] = {}
    for h in labels:
        population[h] = population.get(h, 0) + 1
    if sample is None or sample >= len(corpus.items):
        chosen = list(corpus.items)
        sampled = False
    else:
        if sample <= 0:
            raise InputError(f"--sample must be positive, got {sample!r}")
        idx = stratified_sample(labels, sample, seed)
        chosen = [corpus.items[i] for i in idx]
        sampled = True
    design = {
        "version": DESIGN_VERSION,
        "source": str(Path(corpus.source).resolve()) if Path(corpus.source).exists() else corpus.source,
        "kind": corpus.kind,
        "sampled": sampled,
        "sample": sample if sampled else None,
        "seed": seed if sampled else None,
        "strata": strata,
        "population": population,
        "population_total": len(corpus.items),
        "selected": len(chosen),
        "meta_columns": list(corpus.meta_columns),
        "columns": dict(corpus.columns),
        "analyzer": analyzer,
    }
    return chosen, design


def _check_design(path: Path, design: dict[str, Any]) -> None:
    if not path.exists():
        path.write_text(json.dumps(design, indent=2, sort_keys=True), encoding="utf-8")
        return
    old = json.loads(path.read_text(encoding="utf-8"))
    keys = ("source", "sampled", "sample", "seed", "strata", "population_total", "analyzer")
    diff = [k for k in keys if old.get(k) != design.get(k)]
    if diff:
        raise InputError(f"{str(path.parent)!r} holds another audit (differs in {', '.join(diff)}); "
                         "use a new --out folder or delete the old one")


# --------------------------------------------------------------------------- checkpoint


def read_checkpoint(out: Path) -> set[str]:
    p = out / "checkpoint.txt"
    if not p.exists():
        return set()
    with p.open(encoding="utf-8") as f:
        return {line.rstrip("\n") for line in f if line.strip()}


def _compact_rows(out: Path, done: set[str]) -> None:
    """Drop rows written after the last checkpoint (and duplicates), streaming."""
    rows = out / "rows.jsonl"
    if not rows.exists():
        return
    tmp = out / "rows.jsonl.tmp"
    seen: set[str] = set()
    dropped = 0
    with rows.open(encoding="utf-8") as src, tmp.open("w", encoding="utf-8") as dst:
        for line in src:
            try:
                rid = json.loads(line)["id"]
            except (ValueError, KeyError):
                dropped += 1
                continue
            if rid in done and rid not in seen:
                seen.add(rid)
                dst.write(line if line.endswith("\n") else line + "\n")
            else:
                dropped += 1
    if dropped or len(seen) != len(done):
        os.replace(tmp, rows)
        if len(seen) != len(done):  # checkpointed ids whose rows were lost: redo them
            (out / "checkpoint.txt").write_text("".join(i + "\n" for i in sorted(seen)), encoding="utf-8")
            done.intersection_update(seen)
    else:
        tmp.unlink()


class _Writer:
    def __init__(self, out: Path) -> None:
        self.rows = (out / "rows.jsonl").open("a", encoding="utf-8")
        self.ckpt = (out / "checkpoint.txt").open("a", encoding="utf-8")

    def write(self, rows: Sequence[dict[str, Any]]) -> None:
        self.rows.write("".join(json.dumps(r, ensure_ascii=False, default=str) + "\n" for r in rows))
        self.rows.flush()
        os.fsync(self.rows.fileno())
        self.ckpt.write("".join(str(r["id"]) + "\n" for r in rows))
        self.ckpt.flush()
        os.fsync(self.ckpt.fileno())

    def close(self) -> None:
        self.rows.close()
        self.ckpt.close()


# --------------------------------------------------------------------------- engines


def _batches(items: Sequence[Item], size: int) -> Iterator[list[Item]]:
    for i in range(0, len(items), size):
        yield list(items[i:i + size])


def _safe_inspect(insp: Inspector, batch: Sequence[Item]) -> list[dict[str, Any]]:
    try:
        rows = insp.inspect(batch)
        if len(rows) != len(batch):
            raise RuntimeError(f"inspector returned {len(rows)} rows for {len(batch)} images")
        return rows
    except Exception as e:  # the inspector itself failed: record, never drop, the images
        msg = f"inspector failed: {type(e).__name__}: {e}"[:500]
        return [error_row(it.id, it.location, it.original, it.meta_dict(), msg) for it in batch]


_worker_inspector: Inspector | None = None


def _init_worker(spec: str, workers: int) -> None:
    global _worker_inspector
    ort_threads_for(workers)
    _worker_inspector = load_inspector(spec)
    warm = getattr(_worker_inspector, "warm_up", None)
    if callable(warm):
        warm()


def _work(batch: list[Item]) -> list[dict[str, Any]]:
    assert _worker_inspector is not None
    return _safe_inspect(_worker_inspector, batch)


def _run_local(items: Sequence[Item], cfg: AuditConfig) -> Iterator[list[dict[str, Any]]]:
    if cfg.workers <= 1:
        insp = load_inspector(cfg.inspector)
        for b in _batches(items, cfg.batch_size):
            yield _safe_inspect(insp, b)
        return
    import multiprocessing as mp

    ctx = mp.get_context("spawn")  # no inherited threads or ONNX sessions; each worker loads the models once
    ex = ProcessPoolExecutor(max_workers=cfg.workers, mp_context=ctx, initializer=_init_worker,
                             initargs=(cfg.inspector, cfg.workers))
    try:
        todo = _batches(items, cfg.batch_size)
        inflight: set[Future[list[dict[str, Any]]]] = set()
        for b in todo:
            inflight.add(ex.submit(_work, b))
            if len(inflight) >= 2 * cfg.workers:
                break
        while inflight:
            done, inflight = wait(inflight, return_when=FIRST_COMPLETED)
            for f in done:
                yield f.result()
                nxt = next(todo, None)
                if nxt is not None:
                    inflight.add(ex.submit(_work, nxt))
    finally:
        ex.shutdown(wait=True, cancel_futures=True)


class _RayInspect:
    """A Ray Data actor: builds the inspector (and loads the models) once."""

    def __init__(self, spec: str, workers: int) -> None:
        ort_threads_for(workers)
        self.inspector = load_inspector(spec)

    def __call__(self, batch: dict[str, Any]) -> dict[str, Any]:
        import numpy as np

        items = [Item.from_json(str(s)) for s in batch["item"]]
        rows = _safe_inspect(self.inspector, items)
        return {"row": np.array([json.dumps(r, ensure_ascii=False, default=str) for r in rows], dtype=object)}


def _run_ray(items: Sequence[Item], cfg: AuditConfig) -> Iterator[list[dict[str, Any]]]:
    import ray

    started = False
    if not ray.is_initialized():
        address = cfg.ray_address or os.environ.get("RAY_ADDRESS")
        if address:
            ray.init(address=address, include_dashboard=False, log_to_driver=False)
        else:
            ray.init(num_cpus=max(1, cfg.workers), include_dashboard=False, log_to_driver=False)
        started = True
    try:
        import ray.data

        ctx = ray.data.DataContext.get_current()
        ctx.enable_progress_bars = False
        ds: Any = ray.data.from_items([{"item": it.to_json()} for it in items],
                                 override_num_blocks=max(1, min(len(items) // max(1, cfg.batch_size), 200)))
        ds = ds.map_batches(_RayInspect, fn_constructor_args=(cfg.inspector, cfg.workers), batch_size=cfg.batch_size,
                            compute=ray.data.ActorPoolStrategy(size=max(1, cfg.workers)), num_cpus=1,
                            batch_format="numpy")
        for batch in ds.iter_batches(batch_size=None, batch_format="numpy"):
            yield [json.loads(str(s)) for s in batch["row"]]
    finally:
        if started:
            ray.shutdown()


# --------------------------------------------------------------------------- run


def _peak_rss_mb(who: int) -> float:
    kb = resource.getrusage(who).ru_maxrss
    return round(kb / 1024.0, 1)


def run_audit(cfg: AuditConfig) -> AuditResult:
    """Audit ``cfg.source`` into ``cfg.out`` (resumable), then write the table, summary and report."""
    from tqdm import tqdm

    if cfg.engine not in ("local", "ray"):
        raise InputError(f"--engine must be 'local' or 'ray', got {cfg.engine!r}")
    if cfg.workers < 1:
        raise InputError(f"--workers must be at least 1, got {cfg.workers!r}")
    corpus = read_source(cfg.source, path_column=cfg.path_column, original_column=cfg.original_column,
                         prompt_column=cfg.prompt_column, id_column=cfg.id_column)
    if not corpus.items:
        raise InputError(f"audit source {cfg.source!r} holds no images")
    inspector = load_inspector(cfg.inspector)  # cheap: models load lazily; its version pins the checkpoint
    chosen, design = select(corpus, cfg.sample, cfg.seed, cfg.strata, inspector.version())
    cfg.out.mkdir(parents=True, exist_ok=True)
    _check_design(cfg.out / "design.json", design)
    done = read_checkpoint(cfg.out)
    _compact_rows(cfg.out, done)
    already = sum(1 for it in chosen if it.id in done)
    pending = [it for it in chosen if it.id not in done]
    if cfg.limit is not None:
        pending = pending[:cfg.limit]
    t0 = time.monotonic()
    t_first: float | None = None
    first = 0
    processed = 0
    writer = _Writer(cfg.out)
    bar = tqdm(total=len(chosen), initial=already, unit="img", desc="audit", disable=not cfg.progress,
               file=sys.stderr, dynamic_ncols=True, smoothing=0.05)
    engine = _run_ray if cfg.engine == "ray" else _run_local
    try:
        if pending:
            for rows in engine(pending, cfg):
                writer.write(rows)
                processed += len(rows)
                if t_first is None:
                    t_first, first = time.monotonic(), len(rows)
                bar.update(len(rows))
    finally:
        writer.close()
        bar.close()
    t_end = time.monotonic()
    seconds = t_end - t0
    steady = (processed - first) / (t_end - t_first) if t_first is not None and t_end > t_first and \
        processed > first else None
    complete = already + processed >= len(chosen)
    run = {"engine": cfg.engine, "workers": cfg.workers, "batch_size": cfg.batch_size,
           "processed_this_run": processed, "resumed_from": already, "seconds": round(seconds, 2),
           "images_per_second": round(processed / seconds, 3) if seconds > 0 and processed else None,
           "steady_images_per_second": round(steady, 3) if steady else None,
           "peak_rss_mb": {"driver": _peak_rss_mb(resource.RUSAGE_SELF),
                           "largest_worker": _peak_rss_mb(resource.RUSAGE_CHILDREN)
                           if cfg.engine == "local" and cfg.workers > 1 else None}}
    previous = cfg.out / "summary.json"
    if processed == 0 and previous.exists():  # nothing new: keep the statistics of the run that did the work
        with contextlib.suppress(ValueError):
            run = json.loads(previous.read_text(encoding="utf-8")).get("run", run)
    summary: dict[str, Any] = {}
    if complete:
        from garde.audit.finalize import finalize

        summary = finalize(cfg.out, design, inspector.methods(), run, report=cfg.report)
    return AuditResult(out=cfg.out, selected=len(chosen), processed_now=processed, already_done=already,
                       complete=complete, seconds=seconds, summary=summary)
