"""Soak test: minutes of mixed traffic against gunicorn, watching for errors, memory growth and lost writes.

locust (headless, bench/locustfile_soak.py) browses the feed, post pages and lists, likes, sends messages and
posts at a sustained rate; the RSS of every gunicorn worker is sampled every 10 s. At the end it checks:
- no failed request;
- each worker's RSS grew less than --max-growth-mib after the warm-up (the first minute);
- the database holds exactly as many new posts, likes and messages as locust got 2xx answers for.

Run on the small bench database (created by `bench/run.py --size small --only data`):
    .venv/bin/python bench/soak.py --minutes 5
Results go to bench/results/soak.json and a markdown summary on stdout; the exit code is 1 if a check failed.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import PY, ROOT, bench_env, free_port, log, machine, wait_until_serving  # noqa: E402

SAMPLE_SECONDS = 10
WARM_UP_SECONDS = 60


def db_counts(env: dict, since: str) -> dict:
    """New rows since `since` (ISO time), read by a Django shell in the bench environment."""
    code = (
        "import json\n"
        "from posts.models import Like, Post\n"
        "from messaging.models import Message\n"
        f"since = {since!r}\n"
        "print(json.dumps({'posts': Post.objects.filter(created_at__gte=since).count(),"
        " 'likes': Like.objects.filter(created_at__gte=since).count(),"
        " 'messages': Message.objects.filter(created_at__gte=since).count()}))\n"
    )
    out = subprocess.run([PY, "manage.py", "shell", "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                         check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def sample_workers(master: psutil.Process, samples: list, stop: threading.Event, started: float) -> None:
    while not stop.is_set():
        rss = {str(child.pid): round(child.memory_info().rss / 2**20, 1) for child in master.children()}
        samples.append({"t": round(time.monotonic() - started), "rss_mib": rss})
        stop.wait(SAMPLE_SECONDS)


def memory_growth(samples: list) -> dict:
    """Per worker: RSS at the end of the warm-up, at the end, and the growth between them."""
    warm = next((s for s in samples if s["t"] >= WARM_UP_SECONDS), samples[0])
    last = samples[-1]
    return {
        pid: {"after_warm_up": warm["rss_mib"][pid], "end": last["rss_mib"][pid],
              "growth": round(last["rss_mib"][pid] - warm["rss_mib"][pid], 1)}
        for pid in last["rss_mib"] if pid in warm["rss_mib"]
    }


def read_stats(path: Path) -> dict:
    import csv

    with open(path) as f:
        return {row["Name"]: {"requests": int(row["Request Count"]), "failures": int(row["Failure Count"]),
                              "rps": round(float(row["Requests/s"]), 1), "p50_ms": row["50%"],
                              "p99_ms": row["99%"]} for row in csv.DictReader(f)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="small", help="which bench database (socialnet_bench_<size>)")
    parser.add_argument("--minutes", type=float, default=5)
    parser.add_argument("--users", type=int, default=20, help="concurrent locust users")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    parser.add_argument("--max-growth-mib", type=float, default=50, help="allowed RSS growth per worker")
    args = parser.parse_args()
    env = bench_env(f"socialnet_bench_{args.size}")
    seconds = int(args.minutes * 60)
    fixtures = ROOT / "bench" / "data" / "soak_fixtures.json"  # not locust_fixtures.json: bench/run.py may run too
    fixtures.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([PY, "bench/prepare_load.py", "--users", "400", "--out", str(fixtures)], cwd=ROOT, env=env,
                   check=True)
    port = free_port()
    # The production web command of docker-compose.yml, as in bench/run.py.
    server = subprocess.Popen(
        [PY, "-m", "gunicorn", "socialnet.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", str(args.workers), "--timeout", "30"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    samples: list = []
    stop = threading.Event()
    try:
        wait_until_serving(port)
        since = datetime.now(UTC).isoformat()
        started = time.monotonic()
        sampler = threading.Thread(
            target=sample_workers, args=(psutil.Process(server.pid), samples, stop, started), daemon=True
        )
        sampler.start()
        with tempfile.TemporaryDirectory() as tmp:
            counts_path, prefix = Path(tmp) / "writes.json", Path(tmp) / "locust"
            log(f"soak: {args.users} users for {seconds} s against gunicorn ({args.workers} workers) on :{port}")
            subprocess.run(
                [PY, "-m", "locust", "-f", "bench/locustfile_soak.py", "--headless", "-u", str(args.users),
                 "-r", str(args.users), "-t", f"{seconds}s", "--host", f"http://127.0.0.1:{port}",
                 "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING",
                 # Let each user finish its request at the end: one cut off in flight is written by the server
                 # but never counted by locust, and the row check would report it as a phantom write.
                 "--stop-timeout", "30"],
                cwd=ROOT, env=dict(env, BENCH_FIXTURES=str(fixtures), SOAK_COUNTS=str(counts_path)),
                check=False, stdout=subprocess.DEVNULL,
            )
            stop.set()
            sampler.join()
            writes = json.loads(counts_path.read_text())
            stats = read_stats(Path(f"{prefix}_stats.csv"))
    finally:
        stop.set()
        server.terminate()
        server.wait(20)
    rows = db_counts(env, since)
    growth = memory_growth(samples)
    total = stats.pop("Aggregated")
    checks = {
        "no_failures": total["failures"] == 0,
        "memory_growth_below_bound": all(w["growth"] < args.max_growth_mib for w in growth.values()),
        "rows_match_2xx_writes": all(rows[kind] == writes.get(kind, 0) for kind in rows),
    }
    results = {
        "command": "bench/soak.py " + " ".join(sys.argv[1:]),
        "machine": machine(),
        "seconds": seconds,
        "users": args.users,
        "workers": args.workers,
        "total": total,
        "endpoints": stats,
        "writes_2xx": writes,
        "db_new_rows": rows,
        "memory_per_worker": growth,
        "rss_samples": samples,
        "max_growth_mib": args.max_growth_mib,
        "checks": checks,
    }
    out = ROOT / "bench" / "results" / "soak.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(summary(results))
    if not all(checks.values()):
        raise SystemExit(f"soak checks failed: {[name for name, ok in checks.items() if not ok]}")
    log(f"soak passed; results in {out}")


def summary(results: dict) -> str:
    total = results["total"]
    lines = [
        f"Soak: {results['users']} locust users for {results['seconds']} s, gunicorn {results['workers']} workers.",
        "",
        f"- requests {total['requests']}, failures {total['failures']}, {total['rps']} req/s, "
        f"p50 {total['p50_ms']} ms, p99 {total['p99_ms']} ms",
        f"- writes with 2xx: {results['writes_2xx']}; new rows in the database: {results['db_new_rows']}",
        "",
        "| endpoint | requests | failures | req/s | p50 ms | p99 ms |",
        "|---|---:|---:|---:|---:|---:|",
        *[f"| {name} | {s['requests']} | {s['failures']} | {s['rps']} | {s['p50_ms']} | {s['p99_ms']} |"
          for name, s in results["endpoints"].items()],
        "",
        "| worker | RSS after warm-up MiB | RSS at end MiB | growth MiB |",
        "|---|---:|---:|---:|",
        *[f"| {pid} | {w['after_warm_up']} | {w['end']} | {w['growth']} |"
          for pid, w in results["memory_per_worker"].items()],
        "",
        "RSS per worker over time (MiB): "
        + "; ".join(f"{s['t']} s: {', '.join(str(v) for v in s['rss_mib'].values())}" for s in results["rss_samples"]),
        "",
        "Checks: " + ", ".join(f"{name} {'ok' if ok else 'FAILED'}" for name, ok in results["checks"].items()),
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    os.chdir(ROOT)
    main()
