"""Import users.csv, posts.csv and feed.csv from a folder (format: DESIGN.md section 3)."""

import time

from django.core.management.base import BaseCommand, CommandError

from recommender.importer import DatasetError, import_dataset


class Command(BaseCommand):
    help = "Import a data set (users.csv, posts.csv, feed.csv); re-running skips rows already imported."
    requires_system_checks = []  # a data job: URL and admin checks are not its business

    def add_arguments(self, parser):
        parser.add_argument("directory")
        parser.add_argument("--skip-invalid", action="store_true",
                            help="import the valid rows and report how many were skipped and why")

    def handle(self, *args, **options):
        started = time.perf_counter()
        try:
            report = import_dataset(options["directory"], skip_invalid=options["skip_invalid"],
                                    progress=options["verbosity"] > 0)
        except DatasetError as error:
            raise CommandError(str(error))
        elapsed = time.perf_counter() - started
        created = ", ".join(f"{count} {name}" for name, count in report.created.items())
        self.stdout.write(f"Imported {created} from {report.feed_rows} feed rows in {elapsed:.1f}s "
                          f"({report.feed_rows / max(elapsed, 1e-9):,.0f} feed rows/s).")
        if report.skipped:
            self.stdout.write(f"Skipped {sum(report.skipped.values())} invalid rows:")
            for (file_name, reason), count in sorted(report.skipped.items()):
                self.stdout.write(f"  {file_name}: {count} x {reason}")
