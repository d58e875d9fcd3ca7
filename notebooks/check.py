"""Run the notebooks headlessly on a fresh small database, and keep committed notebooks free of outputs.

    python notebooks/check.py                 # fresh database, migrate, execute every notebook, no-outputs check
    python notebooks/check.py --strip-check   # only fail when a committed notebook has outputs or execution counts
    python notebooks/check.py --strip         # remove outputs and execution counts in place

The database is DATABASE_URL's with the suffix "_notebooks" (dropped and re-created), or a temporary SQLite file
when DATABASE_URL is unset or SQLite. The first notebook generates the network (the database is empty); the data
size comes from the NOTEBOOK_* variables the notebooks read in their first cell.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

NOTEBOOKS_DIR = Path(__file__).resolve().parent
REPO_ROOT = NOTEBOOKS_DIR.parent
# Execution order matters: the first one generates the network that the others read.
NOTEBOOKS = ["explore_activity.ipynb", "recommender_report.ipynb"]
CELL_TIMEOUT_SECONDS = 600
DATABASE_SUFFIX = "_notebooks"


def notebook_paths() -> list[Path]:
    return [NOTEBOOKS_DIR / name for name in NOTEBOOKS]


def strip(notebook: dict) -> dict:
    """Drop what running a notebook adds: outputs, execution counts and per-cell execution timings."""
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
        cell.get("metadata", {}).pop("execution", None)
    return notebook


def unstripped_cells(notebook: dict) -> list[int]:
    """Indices of code cells that carry outputs or an execution count."""
    return [
        index for index, cell in enumerate(notebook["cells"])
        if cell["cell_type"] == "code" and (cell.get("outputs") or cell.get("execution_count") is not None)
    ]


def read(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def write(path: Path, notebook: dict) -> None:
    # The layout nbformat itself writes, so stripping a saved notebook changes nothing else.
    path.write_text(json.dumps(notebook, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")


def strip_check(paths: list[Path]) -> bool:
    clean = True
    for path in paths:
        cells = unstripped_cells(read(path))
        if cells:
            clean = False
            print(f"{path}: outputs or execution counts in code cells {cells}; "
                  f"run `python notebooks/check.py --strip` before committing", file=sys.stderr)
    return clean


def fresh_database_url(configured: str | None, scratch: Path) -> str:
    """A dedicated empty database next to the configured one (PostgreSQL), else a SQLite file in scratch."""
    if not configured or configured.startswith("sqlite"):
        return f"sqlite:///{scratch / 'notebooks.sqlite3'}"
    import psycopg2
    from psycopg2 import sql

    parts = urlsplit(configured)
    name = parts.path.lstrip("/") + DATABASE_SUFFIX
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    connection = psycopg2.connect(maintenance)
    connection.autocommit = True  # CREATE/DROP DATABASE cannot run inside a transaction
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    finally:
        connection.close()
    return urlunsplit(parts._replace(path=f"/{name}"))


def execute(path: Path, executed_dir: Path | None) -> bool:
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook, kernel_name="python3", timeout=CELL_TIMEOUT_SECONDS,
        resources={"metadata": {"path": str(NOTEBOOKS_DIR)}},
    )
    started = time.perf_counter()
    try:
        client.execute()
        passed = True
    except CellExecutionError as error:
        print(f"{path.name}: a cell failed\n{error}", file=sys.stderr)
        passed = False
    print(f"{path.name}: {'ok' if passed else 'FAILED'} in {time.perf_counter() - started:.0f} s", flush=True)
    if executed_dir is not None:
        executed_dir.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, executed_dir / path.name)
    return passed


def run_all(executed_dir: Path | None) -> bool:
    started = time.perf_counter()
    clean = strip_check(notebook_paths())
    scratch = Path(tempfile.mkdtemp(prefix="socialnet-notebooks-"))
    os.environ["DATABASE_URL"] = fresh_database_url(os.environ.get("DATABASE_URL"), scratch)
    os.environ["MEDIA_ROOT"] = str(scratch / "media")  # model artifacts of this run stay out of the repository
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socialnet.settings")
    if "SECRET_KEY" not in os.environ:
        os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # see notebook_setup.django_setup
    print(f"database {urlsplit(os.environ['DATABASE_URL']).path.lstrip('/')}: migrating", flush=True)
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=REPO_ROOT, check=True)
    executed = [execute(path, executed_dir) for path in notebook_paths()]
    print(f"notebooks check took {time.perf_counter() - started:.0f} s")
    return clean and all(executed)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--strip-check", action="store_true", help="only check that no notebook has outputs")
    action.add_argument("--strip", action="store_true", help="remove outputs and execution counts in place")
    parser.add_argument("--executed-dir", type=Path, help="also save the executed notebooks (with outputs) here")
    args = parser.parse_args()
    if args.strip:
        for path in notebook_paths():
            write(path, strip(read(path)))
        return 0
    if args.strip_check:
        return 0 if strip_check(notebook_paths()) else 1
    return 0 if run_all(args.executed_dir) else 1


if __name__ == "__main__":
    sys.exit(main())
