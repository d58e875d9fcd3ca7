"""First steps shared by the notebooks: Django on the repository's own settings, and data to look at."""

import os
import sys
from pathlib import Path


def repo_root() -> Path:
    """The folder holding manage.py, searched upwards from the working directory (Jupyter starts in notebooks/)."""
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / "manage.py").is_file():
            return folder
    raise RuntimeError(f"no manage.py in {here} or above: start Jupyter inside the socialnet repository")


def django_setup() -> Path:
    """Configure Django from the environment (DATABASE_URL, REDIS_URL, ...) exactly as manage.py does."""
    import django

    root = repo_root()
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socialnet.settings")
    if "SECRET_KEY" not in os.environ:
        os.environ.setdefault("DEBUG", "1")  # settings only invent a development key in DEBUG
    # Jupyter runs cells inside an asyncio event loop, where Django would otherwise refuse every ORM call.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    # OpenMP threads that spin while waiting make LightGBM many times slower on a busy machine; must be set
    # before the OpenMP runtime loads (LightGBM, scikit-learn).
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    django.setup()
    return root


def ensure_network(*, users: int, posts: int, days: int, feed_rows: int, seed: int, force: bool) -> None:
    """Generate a network with the project's generator when the feed log is empty, or always when forced
    (forcing wipes the existing content first: `generate_network --clear`)."""
    from django.core.management import call_command

    from posts.models import Like, PostView

    if not force and (PostView.objects.exists() or Like.objects.exists()):
        return
    print(f"Generating a network: {users} users, {posts} posts, {feed_rows} feed rows over {days} days (seed {seed}).")
    call_command(
        "generate_network", users=users, posts=posts, days=days, feed_rows=feed_rows, seed=seed, clear=force,
        verbosity=0,
    )
