"""socialnet benchmark suite: data at scale, training, import, ranking, HTTP load, query counts.

    .venv/bin/python bench/run.py --size small            # `make bench`: about 5 minutes on 2 cores
    .venv/bin/python bench/run.py --size medium --docs    # and write the table into docs/PERFORMANCE.md

Each size has its own PostgreSQL database (socialnet_bench_<size>, kept between runs; --regenerate rebuilds it).
The site runs under gunicorn with the production command of docker-compose.yml; locust (headless, a second
process on loopback) loads it with many distinct users. A random-vs-model experiment split 50/50 is started so
that the ranked feed and the random fallback feed are measured side by side in the same run. Results go to
bench/results/<size>.json and a markdown table on stdout. The suite reports; it asserts nothing but errors.
"""

import argparse
import csv
import json
import os
import platform
import resource
import shlex
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
SIZES = {
    # users, feed rows, posts
    "tiny": (200, 10_000, 400),  # CI smoke run
    "small": (1_000, 100_000, 2_000),
    "medium": (10_000, 1_000_000, 10_000),
    "large": (50_000, 5_000_000, 30_000),
}
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")


def log(msg: str) -> None:
    print(f"[bench {datetime.now():%H:%M:%S}] {msg}", file=sys.stderr, flush=True)


def bench_env(db: str, **extra) -> dict:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"{PG}/{db}",
        REDIS_URL=REDIS_URL,
        SECRET_KEY="bench-" + "s" * 50,
        DEBUG="0",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="0",
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        STATIC_MANIFEST="0",
        THROTTLE_ANON="1000000/min",
        THROTTLE_USER="1000000/min",
        RATE_LIMIT_ENABLED="0",
        AXES_ENABLED="0",
        LOG_LEVEL="WARNING",
        MEDIA_ROOT=str(ROOT / "bench" / "data" / db / "media"),
    )
    env.update(extra)
    return env


def run(cmd: list[str], env: dict, *, capture: bool = False) -> tuple[float, float, str]:
    """Run a command; return (wall seconds, peak RSS MiB of the child, stdout)."""
    log("$ " + " ".join(shlex.quote(c) for c in cmd))
    start = time.perf_counter()
    result = subprocess.run(
        ["/usr/bin/time", "-f", "%M", *cmd],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE if capture else None,
        stderr=subprocess.PIPE,
        text=True,
    )
    wall = time.perf_counter() - start
    stderr_lines = result.stderr.strip().splitlines()
    if result.returncode != 0:
        sys.stderr.write(result.stderr[-4000:])
        raise SystemExit(f"command failed ({result.returncode}): {' '.join(cmd)}")
    peak_mib = int(stderr_lines[-1]) / 1024 if stderr_lines and stderr_lines[-1].isdigit() else float("nan")
    return wall, peak_mib, result.stdout or ""


def database_exists(db: str) -> bool:
    out = subprocess.run(
        ["psql", f"{PG}/postgres", "-tAc", f"SELECT 1 FROM pg_database WHERE datname = '{db}'"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return out.strip() == "1"


def recreate_database(db: str) -> None:
    subprocess.run(["psql", f"{PG}/postgres", "-qc", f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'], check=True)
    subprocess.run(["psql", f"{PG}/postgres", "-qc", f'CREATE DATABASE "{db}"'], check=True)


def step_data(size: str, db: str, env: dict, regenerate: bool, results: dict) -> None:
    users, rows, posts = SIZES[size]
    if regenerate or not database_exists(db):
        recreate_database(db)
        run([PY, "manage.py", "migrate", "--noinput", "-v0"], env)
        wall, peak, _ = run(
            [PY, "manage.py", "generate_network", "--users", str(users), "--posts", str(posts),
             "--feed-rows", str(rows), "--days", "30", "--seed", "1"],
            env,
        )
        results["generate"] = {"seconds": round(wall, 1), "peak_mib": round(peak), "feed_rows": rows}
    else:
        run([PY, "manage.py", "migrate", "--noinput", "-v0"], env)
        log(f"reusing database {db}")


def step_train(env: dict, results: dict) -> None:
    wall, peak, _ = run([PY, "manage.py", "train_recommender", "--bootstrap", "50"], env)
    results["training"] = {"seconds": round(wall, 1), "peak_mib": round(peak)}


def step_import(size: str, results: dict) -> None:
    """Import a seed-format feed of the size's row count into a fresh database: feed rows per second."""
    users, rows, posts = SIZES[size]
    db = f"socialnet_bench_import_{size}"
    recreate_database(db)
    env = bench_env(db)
    run([PY, "manage.py", "migrate", "--noinput", "-v0"], env)
    with tempfile.TemporaryDirectory() as tmp:
        write_seed_csvs(Path(tmp), users=users, posts=posts, rows=rows)
        wall, peak, _ = run([PY, "manage.py", "import_dataset", tmp], env)
    results["import"] = {"seconds": round(wall, 1), "feed_rows": rows, "rows_per_second": round(rows / wall)}
    subprocess.run(["psql", f"{PG}/postgres", "-qc", f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'], check=True)


def write_seed_csvs(folder: Path, *, users: int, posts: int, rows: int) -> None:
    import numpy as np

    rng = np.random.default_rng(7)
    topics = ["business", "covid", "entertainment", "sport", "politics", "tech", "movie"]
    with open(folder / "users.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["user_id", "gender", "age", "country", "city", "os", "source"])
        for uid in range(1, users + 1):
            w.writerow([uid, int(rng.integers(0, 2)), int(rng.integers(14, 80)), "Russia", "Moscow", "iOS", "ads"])
    with open(folder / "posts.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["post_id", "text", "topic"])
        for pid in range(1, posts + 1):
            w.writerow([pid, f"post {pid} about {topics[pid % 7]}", topics[pid % 7]])
    start = 1_600_000_000
    ts = start + np.sort(rng.integers(0, 30 * 86400, rows))
    uid = rng.integers(1, users + 1, rows)
    pid = rng.integers(1, posts + 1, rows)
    action = np.where(rng.random(rows) < 0.1, "like", "view")
    with open(folder / "feed.csv", "w") as f:
        f.write("timestamp,user_id,post_id,action,target\n")
        for t, u, p, a in zip(ts.tolist(), uid.tolist(), pid.tolist(), action.tolist(), strict=True):
            f.write(f"{t},{u},{p},{a},{int(a == 'like')}\n")


def step_rank(env: dict, results: dict) -> None:
    _, _, out = run([PY, "bench/rank_served.py"], env, capture=True)
    results["ranking"] = json.loads(out.strip().splitlines()[-1])


def step_queries(env: dict, results: dict) -> None:
    _, _, out = run([PY, "bench/query_counts.py"], env, capture=True)
    results["queries"] = json.loads(out.strip().splitlines()[-1])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_serving(port: int, *, attempts: int = 300) -> None:
    """Poll /healthz until gunicorn answers (or give up after `attempts` tenths of a second and let the load fail)."""
    for _ in range(attempts):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return
        except OSError:
            time.sleep(0.1)


def warm_up(port: int, fixtures: Path, *, rounds: int = 12) -> None:
    """Steady state before measuring: every worker loads Django and the model on its first requests (seconds)."""
    data = json.loads(fixtures.read_text())
    users = {u["group"]: u["token"] for u in data["users"]}  # one user of each experiment group
    for _ in range(rounds):
        for token in users.values():
            request = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/feed/?page_size=5",
                                             headers={"Authorization": f"Token {token}"})
            urllib.request.urlopen(request, timeout=30).read()
        urllib.request.urlopen(f"http://127.0.0.1:{port}/posts/{data['post_ids'][0]}/", timeout=30).read()


def step_http(env: dict, results: dict, *, seconds: int, users: int) -> None:
    """Prepare tokens and the experiment, start gunicorn, drive it with locust, read its percentiles."""
    fixtures = ROOT / "bench" / "data" / "locust_fixtures.json"
    fixtures.parent.mkdir(parents=True, exist_ok=True)
    run([PY, "bench/prepare_load.py", "--users", "400", "--out", str(fixtures)], env)
    port = free_port()
    # The production web command of docker-compose.yml.
    gunicorn = [PY, "-m", "gunicorn", "socialnet.wsgi:application", "--bind", f"127.0.0.1:{port}",
                "--workers", "3", "--timeout", "30"]
    server = subprocess.Popen(gunicorn, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_serving(port)
        warm_up(port, fixtures)
        with tempfile.TemporaryDirectory() as tmp:
            prefix = Path(tmp) / "locust"
            locust_env = dict(env, BENCH_FIXTURES=str(fixtures))
            subprocess.run(
                [PY, "-m", "locust", "-f", "bench/locustfile.py", "--headless", "-u", str(users), "-r", str(users),
                 "-t", f"{seconds}s", "--host", f"http://127.0.0.1:{port}", "--csv", str(prefix), "--only-summary",
                 "--loglevel", "WARNING"],
                cwd=ROOT, env=locust_env, check=False, stdout=subprocess.DEVNULL,
            )
            results["http"] = read_locust_stats(Path(f"{prefix}_stats.csv"), seconds=seconds, users=users)
    finally:
        server.terminate()
        server.wait(20)


def read_locust_stats(path: Path, *, seconds: int, users: int) -> dict:
    rows = {}
    with open(path) as f:
        for row in csv.DictReader(f):
            name = row["Name"]
            rows[name] = {
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "rps": round(float(row["Requests/s"]), 1),
                "p50_ms": float(row["50%"]),
                "p95_ms": float(row["95%"]),
                "p99_ms": float(row["99%"]),
            }
    return {"seconds": seconds, "concurrent_users": users, "endpoints": rows}


def machine() -> dict:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    mem_kib = int(next(line for line in open("/proc/meminfo") if line.startswith("MemTotal")).split()[1])
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cores": os.cpu_count(),
        "ram_gib": round(mem_kib / 1024 / 1024, 1),
        "cpu": platform.processor() or platform.machine(),
        "python": platform.python_version(),
        "commit": commit.stdout.strip(),
    }


def markdown(size: str, results: dict) -> str:
    m = results["machine"]
    lines = [
        f"### {size} ({SIZES[size][0]:,} users, {SIZES[size][1]:,} feed rows, {SIZES[size][2]:,} posts)",
        "",
        f"{m['date']} · {m['cores']} cores, {m['ram_gib']} GiB RAM · Python {m['python']} · commit {m['commit']} · "
        f"`{results['command']}`",
        "",
    ]
    if "http" in results:
        http = results["http"]
        lines += [
            f"HTTP under gunicorn (3 workers, warmed up), locust {http['concurrent_users']} users for "
            f"{http['seconds']} s:",
            "",
            "| endpoint | requests | failures | req/s | p50 ms | p95 ms | p99 ms |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for name, r in http["endpoints"].items():
            lines.append(
                f"| {name} | {r['requests']} | {r['failures']} | {r['rps']} | {r['p50_ms']:.0f} | "
                f"{r['p95_ms']:.0f} | {r['p99_ms']:.0f} |"
            )
        endpoints = http["endpoints"]
        if "feed: ranked" in endpoints and "feed: random" in endpoints:
            ratio = endpoints["feed: ranked"]["p50_ms"] / max(endpoints["feed: random"]["p50_ms"], 1)
            lines += ["", f"Ranked feed median / random feed median: **{ratio:.2f}×** (target ≤ 2×)."]
        lines.append("")
    if "ranking" in results:
        r = results["ranking"]
        lines += [
            "| ranking one page (in process) | p50 ms | p99 ms | candidates (median) | users timed |",
            "|---|---:|---:|---:|---:|",
            f"| rank_for_user | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | {r.get('candidates_median', '')} | "
            f"{r.get('users', '')} |",
            "",
        ]
    rows = []
    if "generate" in results:
        g = results["generate"]
        rows.append(f"| generate_network | {g['seconds']} s | {g['peak_mib']} MiB | |")
    if "training" in results:
        t = results["training"]
        rows.append(f"| train_recommender | {t['seconds']} s | {t['peak_mib']} MiB | |")
    if "import" in results:
        i = results["import"]
        rows.append(f"| import_dataset | {i['seconds']} s | | {i['rows_per_second']:,} feed rows/s |")
    if rows:
        lines += ["| job | wall time | peak RSS | throughput |", "|---|---:|---:|---:|", *rows, ""]
    if "queries" in results:
        lines += ["| page | SQL queries (small page) | SQL queries (large page) |", "|---|---:|---:|"]
        for name, (small, large) in results["queries"].items():
            lines.append(f"| {name} | {small} | {large} |")
        lines.append("")
    return "\n".join(lines)


def write_docs(size: str, table: str) -> None:
    doc = ROOT / "docs" / "PERFORMANCE.md"
    text = doc.read_text() if doc.exists() else "# Performance\n"
    begin, end = f"<!-- bench:{size}:begin -->", f"<!-- bench:{size}:end -->"
    block = f"{begin}\n{table}\n{end}"
    if begin in text:
        text = text[: text.index(begin)] + block + text[text.index(end) + len(end):]
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    doc.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", choices=SIZES, default="small")
    parser.add_argument("--regenerate", action="store_true", help="rebuild the size's database")
    parser.add_argument("--only", default="data,train,import,rank,queries,http",
                        help="comma-separated steps (data,train,import,rank,queries,http)")
    parser.add_argument("--seconds", type=int, default=60, help="duration of the HTTP load")
    parser.add_argument("--load-users", type=int, default=20, help="concurrent locust users")
    parser.add_argument("--docs", action="store_true", help="write the table into docs/PERFORMANCE.md")
    args = parser.parse_args()
    steps = set(args.only.split(","))
    db = f"socialnet_bench_{args.size}"
    env = bench_env(db)
    results: dict = {"size": args.size, "machine": machine(), "command": "bench/run.py " + " ".join(sys.argv[1:])}
    started = time.perf_counter()
    if "data" in steps:
        step_data(args.size, db, env, args.regenerate, results)
    if "train" in steps:
        step_train(env, results)
    if "import" in steps:
        step_import(args.size, results)
    if "rank" in steps:
        step_rank(env, results)
    if "queries" in steps:
        step_queries(env, results)
    if "http" in steps:
        step_http(env, results, seconds=args.seconds, users=args.load_users)
    results["total_seconds"] = round(time.perf_counter() - started, 1)
    out = ROOT / "bench" / "results" / f"{args.size}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    table = markdown(args.size, results)
    print(table)
    if args.docs:
        write_docs(args.size, table)
    failures = sum(r["failures"] for r in results.get("http", {}).get("endpoints", {}).values())
    if failures:
        raise SystemExit(f"{failures} HTTP failures")
    log(f"done in {results['total_seconds']} s; peak RSS of this process "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB; results in {out}")


if __name__ == "__main__":
    main()
