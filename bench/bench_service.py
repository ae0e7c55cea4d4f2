"""Load benchmark of the HTTP service on loopback (plain script: `python bench/bench_service.py`).

Bounded in count and time. Reports throughput and p50/p99 latency for text-only and image
checks with 1 worker (SQLite) and 2 workers (PostgreSQL, a fresh database), and the ratio to
calling the library in-process with the same analysers and database. A chaos run (2 workers)
makes an analyser fail on some requests and restarts PostgreSQL mid-run, then counts allows
caused by a failure (must be 0) and decisions missing from the log (must be 0).

The load generator is a small asyncio HTTP/1.1 keep-alive client (no wrk here); it shares the
2 cores with the server, so the numbers are a floor.

Options: --analyzers fake|real (default fake: deterministic FakeAnalyzers; real: the production
guard of `garde serve`, shipped analysers and enforcement), --seconds S per run (default 15),
--quick, --json PATH, --no-chaos, --kinds text,image, --concurrency N, --mix typical|hostile.

Prompts are the hand-written requests of the text data in 17 languages, each made unique by its
request number (no cache is hit by a repeat). The servers are timed once every worker reports
ready (models loaded) and after 2 s of warm-up load.
Environment: BENCH_PG_URL (default postgresql://postgres@127.0.0.1/postgres).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")

PG_ADMIN = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1/postgres")
CHAOS_WORD = "chaosfail"


# ----------------------------------------------------------------- the app under test


def _analyzers() -> list[Any]:
    from garde.analyzers import AnalysisContext, FakeAnalyzer
    from garde.model import Signal, Stage

    if os.environ.get("BENCH_ANALYZERS", "fake") == "real":
        from garde.guard import default_analyzers

        return default_analyzers()

    class Flaky:
        """Fails on prompts that carry the chaos word (an analyser outage), else reports nothing."""

        name = "flaky"
        version = "1"
        stages = frozenset({Stage.REQUEST, Stage.OUTPUT})

        def analyze(self, ctx: AnalysisContext) -> list[Signal]:
            if CHAOS_WORD in ctx.request.prompt:
                raise RuntimeError("injected analyser failure")
            return []

    return [FakeAnalyzer(name="text", scores={"sexual_intent": 0.01, "jailbreak_framing": 0.0}),
            FakeAnalyzer(name="vision", scores={"person_present": 0.2}), Flaky()]


def _guard(db: Any) -> Any:
    """Real analysers: the production guard of ``garde serve`` (shipped analysers, SQL log, enforcement
    attached); fake analysers: the deterministic ones above with the SQL log."""
    from garde.guard import Guard
    from garde.store import SqlDecisionLog

    if os.environ.get("BENCH_ANALYZERS", "fake") == "real":
        from garde.service.app import _default_guard

        return _default_guard(db)
    return Guard(analyzers=_analyzers(), log=SqlDecisionLog(db))


def bench_app() -> Any:
    """App factory: ``python -m garde.service.serve --app bench_service:bench_app --app-dir bench``."""
    from garde.service import ServiceSettings, create_app
    from garde.store import Database

    db = Database()
    return create_app(guard=_guard(db), db=db, settings=ServiceSettings.from_env())


# ----------------------------------------------------------------- payloads


def jpeg(side: int = 512) -> bytes:
    from PIL import Image, ImageDraw

    im = Image.new("RGB", (side, side), (120, 170, 210))
    d = ImageDraw.Draw(im)
    for i in range(0, side, 32):
        d.line((0, i, side, side - i), fill=(i % 255, 80, 160), width=3)
    d.ellipse((side // 3, side // 6, 2 * side // 3, side // 2), fill=(240, 210, 170))
    buf = io.BytesIO()
    im.save(buf, format="JPEG", quality=85)
    return buf.getvalue()


def _prompts(mix: str) -> list[str]:
    """Prompts from the 2,445 hand-written requests of the text data (17 languages, 3 to 200 characters).

    ``typical``: every harmless one (1,367) and one sexualising request in ten (each blocked, so a
    strike, an audit event and sometimes a case are written); ``hostile``: all of them, 44% sexualising.
    """
    root = Path(__file__).resolve().parent.parent / "data" / "prompts" / "free"
    rows = [json.loads(line) for f in sorted(root.glob("*.jsonl"))
            for line in f.read_text(encoding="utf-8").splitlines() if line.strip()]
    harmless = [r["text"] for r in rows if not r["sexual"]]
    sexual = [r["text"] for r in rows if r["sexual"]]
    if mix == "hostile":
        return [r["text"] for r in rows]
    keep = sexual[: len(harmless) // 9]
    return harmless + keep


PROMPTS = _prompts("typical")


def body(kind: str, i: int, image_b64: str) -> dict[str, Any]:
    # the request number keeps every prompt unique, so no cache anywhere is hit by a repeat
    b: dict[str, Any] = {"prompt": f"{PROMPTS[(i * 7919) % len(PROMPTS)]} ({i})",
                         "actor": {"id": f"user-{i % 997}", "country": "FR", "tier": "free"}}
    if kind == "image":
        b["images"] = [image_b64]
    if kind == "chaos" and i % 5 == 0:
        b["prompt"] += f" {CHAOS_WORD}"
    return b


# ----------------------------------------------------------------- a tiny keep-alive HTTP client


async def _one_conn(host: str, port: int, reqs: asyncio.Queue[bytes | None],
                    out: list[tuple[float, int, bytes]]) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while True:
            raw = await reqs.get()
            if raw is None:
                return
            t0 = time.perf_counter()
            for attempt in range(2):
                try:
                    writer.write(raw)
                    await writer.drain()
                    status_line = await reader.readline()
                    if not status_line:
                        raise ConnectionError("closed")
                    status = int(status_line.split()[1])
                    length = 0
                    while True:
                        h = await reader.readline()
                        if h in (b"\r\n", b""):
                            break
                        k, _, v = h.partition(b":")
                        if k.strip().lower() == b"content-length":
                            length = int(v.strip())
                    data = await reader.readexactly(length) if length else b""
                    out.append((time.perf_counter() - t0, status, data))
                    break
                except (ConnectionError, asyncio.IncompleteReadError, OSError):
                    writer.close()
                    if attempt:
                        out.append((time.perf_counter() - t0, 599, b""))
                        break
                    await asyncio.sleep(0.05)
                    reader, writer = await asyncio.open_connection(host, port)
    finally:
        writer.close()


def _raw(path: str, payload: dict[str, Any], key: str, port: int) -> bytes:
    data = json.dumps(payload).encode()
    return (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {key}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n").encode() + data


async def _load(port: int, payloads: list[bytes], conc: int, seconds: float,
                during: Any = None) -> tuple[float, list[tuple[float, int, bytes]]]:
    # bounded: the feeder waits for room instead of polling (the polling loop cost the client CPU that
    # the server shares)
    q: asyncio.Queue[bytes | None] = asyncio.Queue(maxsize=conc * 2)
    out: list[tuple[float, int, bytes]] = []
    t0 = time.perf_counter()
    deadline = t0 + seconds

    async def feeder() -> None:
        for p in payloads:
            if time.perf_counter() > deadline:
                break
            await q.put(p)
        for _ in range(conc):
            await q.put(None)

    tasks = [asyncio.create_task(_one_conn("127.0.0.1", port, q, out)) for _ in range(conc)]
    extra = [asyncio.create_task(during())] if during else []
    await feeder()
    await asyncio.gather(*tasks, *extra)
    return time.perf_counter() - t0, out


def _pct(xs: list[float], p: float) -> float:
    if not xs:
        return float("nan")
    s = sorted(xs)
    return s[min(len(s) - 1, round(p / 100 * (len(s) - 1)))]


# ----------------------------------------------------------------- servers and databases


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pg_fresh() -> str:
    from sqlalchemy import create_engine, text

    name = f"garde_bench_{uuid.uuid4().hex[:10]}"
    e = create_engine(PG_ADMIN.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    with e.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    e.dispose()
    return PG_ADMIN.rsplit("/", 1)[0] + "/" + name


def _pg_drop(url: str) -> None:
    from sqlalchemy import create_engine, text

    name = url.rsplit("/", 1)[1]
    e = create_engine(PG_ADMIN.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    with e.connect() as c:
        c.execute(text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"))
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    e.dispose()


class Server:
    def __init__(self, db_url: str, workers: int, analyzers: str) -> None:
        self.db_url, self.workers, self.port = db_url, workers, _free_port()
        self.env = {**os.environ, "GARDE_DB_URL": db_url, "BENCH_ANALYZERS": analyzers,
                    "GARDE_SECRET_KEY": uuid.uuid4().hex, "GARDE_KEY_CACHE_SECONDS": "30"}
        self.proc: subprocess.Popen[bytes] | None = None
        self.errlog = tempfile.TemporaryFile()  # noqa: SIM115 - closed in __exit__

    def __enter__(self) -> Server:
        from garde.service.security import KeyStore
        from garde.store import Database

        db = Database(self.db_url)  # migrate once before the workers start
        self.key = KeyStore(db).create("bench", "check", rate=100_000, burst=100_000)[1]
        db.dispose()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "garde.service.serve", "--app", "bench_service:bench_app", "--app-dir",
             str(Path(__file__).parent), "--host", "127.0.0.1", "--port", str(self.port), "--workers",
             str(self.workers), "--log-level", "warning", "--no-access-log"],
            # stderr to a file, not a pipe: nobody reads a pipe during the run, and once its 64 KB
            # buffer is full (the chaos run logs each analyser failure) every worker thread that
            # logs blocks, and the checks in flight hang until their 60 s timeout
            env=self.env, stdout=subprocess.DEVNULL, stderr=self.errlog)
        import httpx

        deadline, ready = time.monotonic() + 120, 0
        while time.monotonic() < deadline:
            try:
                # ready = models warmed up and database reachable; each probe is a new connection,
                # so asking until several answers in a row are ready reaches every worker
                ok = httpx.get(f"http://127.0.0.1:{self.port}/readyz", timeout=5).status_code == 200
                ready = ready + 1 if ok else 0
                if ready >= 4 * self.workers:
                    return self
                time.sleep(0.05 if ok else 0.2)
            except httpx.HTTPError:
                time.sleep(0.2)
            if self.proc.poll() is not None:
                self.errlog.seek(0)
                err = self.errlog.read().decode(errors="replace")[-2000:]
                raise RuntimeError(f"server exited: {err}")
        raise RuntimeError("server did not start")

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.errlog.close()


def _split(port: int) -> str:
    """How the kernel spread the keep-alive connections over the workers (``ss``; e.g. "5/3")."""
    import re
    from collections import Counter

    try:
        ss = subprocess.run(["ss", "-tnpH", "state", "established", f"( sport = :{port} )"],
                            capture_output=True, text=True, timeout=5).stdout
    except (OSError, subprocess.SubprocessError):
        return "?"
    counts = sorted(Counter(re.findall(r"pid=(\d+)", ss)).values(), reverse=True)
    return "/".join(map(str, counts)) or "?"


def run_http(kind: str, db_url: str, workers: int, analyzers: str, n: int, seconds: float, conc: int,
             image_b64: str, during: Any = None) -> dict[str, Any]:
    split = "?"
    with Server(db_url, workers, analyzers) as srv:
        payloads = [_raw("/v1/requests/check", body(kind, i, image_b64), srv.key, srv.port) for i in range(n)]
        asyncio.run(_load(srv.port, payloads[-2000:], conc, 2))  # warm-up: 2 s of load

        async def observe() -> None:
            nonlocal split
            await asyncio.sleep(min(1.0, seconds / 2))
            split = await asyncio.to_thread(_split, srv.port)
            if during is not None:
                await during()

        wall, out = asyncio.run(_load(srv.port, payloads, conc, seconds, observe))
    lat = [t for t, s, _ in out if s == 200]
    statuses: dict[str, int] = {}
    for _, s, _ in out:
        statuses[str(s)] = statuses.get(str(s), 0) + 1
    return {"kind": kind, "workers": workers, "db": "postgresql" if "postgres" in db_url else "sqlite",
            "requests": len(out), "ok": len(lat), "statuses": statuses, "seconds": round(wall, 2),
            "rps": round(len(lat) / wall, 1), "p50_ms": round(_pct(lat, 50) * 1000, 1),
            "p99_ms": round(_pct(lat, 99) * 1000, 1), "concurrency": conc, "connections_per_worker": split,
            "_out": out}


def run_inprocess(kind: str, db_url: str, analyzers: str, n: int, seconds: float, image_bytes: bytes) -> dict[str, Any]:
    os.environ["BENCH_ANALYZERS"] = analyzers
    from garde.model import Actor, Image, Request
    from garde.store import Database

    db = Database(db_url)
    g = _guard(db)
    for i in range(5):  # load the models first, as the servers' warm-up does
        w = body(kind, i, "")
        g.check_request(Request(prompt=w["prompt"], actor=Actor(user_id="warm-up", country="FR"),
                                images=(Image(data=image_bytes, name="x.jpg"),) if kind == "image" else ()))
    lat: list[float] = []
    t0 = time.perf_counter()
    for i in range(n):
        b = body(kind, i, "")
        imgs = (Image(data=image_bytes, name="x.jpg"),) if kind == "image" else ()
        r = Request(prompt=b["prompt"], actor=Actor(user_id=b["actor"]["id"], country="FR"), images=imgs)
        t = time.perf_counter()
        g.check_request(r)
        lat.append(time.perf_counter() - t)
        if time.perf_counter() - t0 > seconds:
            break
    wall = time.perf_counter() - t0
    g.close()
    db.dispose()
    return {"kind": kind, "mode": "in-process", "db": "postgresql" if "postgres" in db_url else "sqlite",
            "requests": len(lat), "rps": round(len(lat) / wall, 1), "p50_ms": round(_pct(lat, 50) * 1000, 2),
            "p99_ms": round(_pct(lat, 99) * 1000, 2)}


def chaos(analyzers: str, n: int, seconds: float, conc: int) -> dict[str, Any]:
    """2 workers on PostgreSQL; every 5th request makes an analyser fail; PostgreSQL restarts mid-run."""
    from sqlalchemy import create_engine, text

    url = _pg_fresh()
    restarted = {"done": False, "how": "not attempted"}

    async def restart() -> None:
        await asyncio.sleep(seconds / 3)
        if shutil.which("pg_ctlcluster") and os.geteuid() == 0:
            ver = sorted(os.listdir("/etc/postgresql"))[-1] if os.path.isdir("/etc/postgresql") else "15"
            p = await asyncio.create_subprocess_exec("pg_ctlcluster", ver, "main", "restart", "-m", "fast",
                                                     stdout=asyncio.subprocess.DEVNULL,
                                                     stderr=asyncio.subprocess.DEVNULL)
            rc = await p.wait()
            restarted.update(done=rc == 0, how=f"pg_ctlcluster {ver} main restart (rc={rc})")
        else:
            restarted["how"] = "skipped: needs root and pg_ctlcluster"

    try:
        r = run_http("chaos", url, 2, analyzers, n, seconds, conc, "", during=restart)
        out = r.pop("_out")
        failure_allows = 0
        ids: list[str] = []
        blocked_by_store = 0
        for _, s, data in out:
            if s != 200:
                continue
            d = json.loads(data)
            failed = bool(d.get("analyzer_errors"))
            if failed and d.get("allowed"):
                failure_allows += 1
            if "garde.store_unavailable" in d.get("rules", []):
                blocked_by_store += 1
            else:
                ids.append(d["decision_id"])
        time.sleep(2)
        e = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
        with e.connect() as c:
            logged = {row[0] for row in c.execute(text("SELECT decision_id FROM decisions"))}
        e.dispose()
        lost = sum(1 for i in ids if i not in logged)
        r.update(failure_allows=failure_allows, responses_with_failures=sum(
            1 for _, s, d in out if s == 200 and json.loads(d).get("analyzer_errors")),
            blocked_because_store_down=blocked_by_store, decisions_returned_as_logged=len(ids),
            lost_log_records=lost, db_restart=restarted["how"],
            recovered=bool(out) and out[-1][1] == 200)
        return r
    finally:
        _pg_drop(url)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--analyzers", choices=("fake", "real"), default="fake")
    ap.add_argument("--seconds", type=float, default=15.0)
    ap.add_argument("--quick", action="store_true", help="5 s runs")
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--no-chaos", action="store_true")
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--kinds", default="text,image", help="which checks to load (default text,image)")
    ap.add_argument("--mix", choices=("typical", "hostile"), default="typical",
                    help="prompts: typical (1 in 10 sexualising) or hostile (44%%); see _prompts")
    a = ap.parse_args()
    global PROMPTS
    PROMPTS = _prompts(a.mix)
    secs = 5.0 if a.quick else a.seconds
    n_text, n_image = 20_000, 6_000
    img = jpeg()
    img_b64 = base64.b64encode(img).decode()
    results: list[dict[str, Any]] = []
    tmp = tempfile.mkdtemp(prefix="garde-bench-")
    try:
        for kind, n in (("text", n_text), ("image", n_image)):
            if kind not in a.kinds.split(","):
                continue
            lite = f"sqlite:///{tmp}/{kind}.db"
            r1 = run_http(kind, lite, 1, a.analyzers, n, secs, a.concurrency, img_b64)
            r1.pop("_out")
            ip1 = run_inprocess(kind, f"sqlite:///{tmp}/{kind}-inproc.db", a.analyzers, n, secs, img)
            pg = _pg_fresh()
            try:
                r2 = run_http(kind, pg, 2, a.analyzers, n, secs, a.concurrency, img_b64)
                r2.pop("_out")
            finally:
                _pg_drop(pg)
            pg = _pg_fresh()
            try:
                ip2 = run_inprocess(kind, pg, a.analyzers, n, secs, img)
            finally:
                _pg_drop(pg)
            for r, ip in ((r1, ip1), (r2, ip2)):
                r["inprocess_rps"] = ip["rps"]
                r["inprocess_p50_ms"] = ip["p50_ms"]
                r["ratio_rps_vs_inprocess"] = round(r["rps"] / ip["rps"], 2) if ip["rps"] else None
                results.append(r)
        chaos_result = None if a.no_chaos else chaos(a.analyzers, n_text, max(secs, 9.0), a.concurrency)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"garde service load ({a.analyzers} analysers, {a.mix} prompts, {a.concurrency} connections, "
          f"{secs:g} s per run, {os.cpu_count()} cores; client and server share them)")
    print(f"{'check':6} {'workers':>7} {'db':10} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'in-proc req/s':>14} "
          f"{'ratio':>6} {'conns':>5}  statuses")
    for r in results:
        print(f"{r['kind']:6} {r['workers']:>7} {r['db']:10} {r['rps']:>8} {r['p50_ms']:>8} {r['p99_ms']:>8} "
              f"{r['inprocess_rps']:>14} {r['ratio_rps_vs_inprocess']:>6} {r['connections_per_worker']:>5}  "
              f"{r['statuses']}")
    print("conns: the keep-alive connections per worker during the run; the kernel spreads them over the "
          "workers' sockets by a hash, so 2 workers see 4/4, 5/3 or 6/2, and the run's figures with it")
    if chaos_result:
        c = chaos_result
        print(f"chaos (2 workers, PostgreSQL, every 5th request an analyser fails; {c['db_restart']}): "
              f"{c['ok']} answers, {c['responses_with_failures']} with analyser failures, "
              f"failure allows={c['failure_allows']}, blocked while the store was down="
              f"{c['blocked_because_store_down']}, lost log records={c['lost_log_records']} of "
              f"{c['decisions_returned_as_logged']}, statuses={c['statuses']}, recovered={c['recovered']}")
    if a.json:
        a.json.write_text(json.dumps({"runs": results, "chaos": chaos_result}, indent=2))
    bad = chaos_result is not None and (chaos_result["failure_allows"] or chaos_result["lost_log_records"])
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
