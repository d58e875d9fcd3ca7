"""Generate a believable network (users, communities, follows, posts, conversations, a random-feed log)."""

import sys
import time
from datetime import UTC, datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_date
from tqdm import tqdm

from recommender.generator import WRITE_ORDER, NetworkSpec, clear_network, generate_network, write_network


class Command(BaseCommand):
    requires_system_checks = []  # a data job: URL and admin checks are not its business
    help = "Generate a network whose like behaviour follows a documented hidden model (docs/RECOMMENDER.md)."

    def add_arguments(self, parser):
        defaults = NetworkSpec()
        parser.add_argument("--users", type=int, default=defaults.users)
        parser.add_argument("--posts", type=int, default=defaults.posts)
        parser.add_argument("--days", type=int, default=defaults.days)
        parser.add_argument("--seed", type=int, default=defaults.seed)
        parser.add_argument("--feed-rows", type=int, help="views + likes in the feed log (default 100 per user)")
        parser.add_argument("--end", help="last day of the feed log, YYYY-MM-DD (default today)")
        parser.add_argument("--clear", action="store_true", help="first wipe content and generated/imported users")

    def handle(self, *args, **options):
        if options["users"] < 2 or options["posts"] < 1 or options["days"] < 1:
            raise CommandError("--users must be at least 2, --posts and --days at least 1")
        if options["feed_rows"] is not None and options["feed_rows"] < 0:
            raise CommandError("--feed-rows must not be negative")
        end = None
        if options["end"]:
            day = parse_date(options["end"])
            if day is None:
                raise CommandError(f"--end {options['end']!r} is not a YYYY-MM-DD date")
            end = datetime(day.year, day.month, day.day, tzinfo=UTC)
        spec = NetworkSpec(users=options["users"], posts=options["posts"], days=options["days"],
                           seed=options["seed"], feed_rows=options["feed_rows"], end=end)
        started = time.perf_counter()
        if options["clear"]:
            clear_network()
        network = generate_network(spec)
        generated = time.perf_counter()
        with tqdm(total=len(WRITE_ORDER), desc="writing", unit="table", file=sys.stderr,
                  disable=options["verbosity"] == 0) as bar:
            counts = write_network(network, progress=lambda name, count: (bar.set_postfix_str(name), bar.update()))
        finished = time.perf_counter()
        summary = ", ".join(f"{count} {name}" for name, count in counts.items())
        self.stdout.write(f"Generated {summary}.")
        timing = f"generation {generated - started:.1f}s, writing {finished - generated:.1f}s"
        self.stdout.write(f"Took {finished - started:.1f}s ({timing}).")
