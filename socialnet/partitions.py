"""Monthly range partitions for the high-volume, append-only tables (PostgreSQL only).

posts_postview (by viewed_at) and analytics_activity (by created_at) are declaratively partitioned: time-range
scans touch only the months they ask for, and old months can be detached or dropped whole instead of deleted
row by row. A default partition takes rows outside the managed months (imported history), and a daily task
creates the coming months ahead of time.
"""

from datetime import date

from django.db import connection

PARTITIONED_TABLES = {"posts_postview": "viewed_at", "analytics_activity": "created_at"}
MONTHS_BEHIND = 1
MONTHS_AHEAD = 3


def _month_start(day: date, shift: int) -> date:
    month_index = day.year * 12 + day.month - 1 + shift
    return date(month_index // 12, month_index % 12 + 1, 1)


def partition_table(schema_editor, *, table: str, column: str) -> None:
    """Rebuild `table` as a table partitioned by month on `column`, keeping its rows, indexes and constraints.

    Called from a migration. The primary key becomes (id, column), as PostgreSQL requires the partition key in
    it; ids still come from one sequence, so they stay unique.
    """
    if schema_editor.connection.vendor != "postgresql":
        return
    old = f"{table}_unpartitioned"
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT LIKE %s",
            [table, "%_pkey"],
        )
        indexes = cursor.fetchall()
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass "
            "AND contype = 'f'",
            [table],
        )
        foreign_keys = cursor.fetchall()
        cursor.execute(f'ALTER TABLE "{table}" RENAME TO "{old}"')
        cursor.execute(
            f'CREATE TABLE "{table}" (LIKE "{old}" INCLUDING DEFAULTS INCLUDING CONSTRAINTS) '
            f'PARTITION BY RANGE ("{column}")'
        )
        cursor.execute(f'CREATE SEQUENCE "{table}_id_partitioned_seq" OWNED BY "{table}"."id"')
        cursor.execute(
            f"""ALTER TABLE "{table}" ALTER COLUMN "id" SET DEFAULT nextval('"{table}_id_partitioned_seq"')"""
        )
        cursor.execute(f'CREATE TABLE "{table}_default" PARTITION OF "{table}" DEFAULT')
        cursor.execute(f'INSERT INTO "{table}" SELECT * FROM "{old}"')
        cursor.execute(
            f"""SELECT setval('"{table}_id_partitioned_seq"', COALESCE((SELECT max(id) FROM "{old}"), 0) + 1, false)"""
        )
        cursor.execute(f'DROP TABLE "{old}"')  # frees the names of its primary key, indexes and foreign keys
        cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{table}_pkey" PRIMARY KEY ("id", "{column}")')
        for _name, definition in indexes:
            cursor.execute(definition)
        for name, definition in foreign_keys:
            cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
    ensure_partitions(tables={table: column})


def ensure_partitions(*, tables: dict[str, str] | None = None, today: date | None = None) -> list[str]:
    """Create the monthly partitions from last month to MONTHS_AHEAD ahead; returns the ones created.

    A month whose rows already sit in the default partition (imported history) is left there: PostgreSQL
    refuses a new partition that would take rows from the default one.
    """
    if connection.vendor != "postgresql":
        return []
    today = today or date.today()
    created = []
    with connection.cursor() as cursor:
        for table, column in (tables or PARTITIONED_TABLES).items():
            for shift in range(-MONTHS_BEHIND, MONTHS_AHEAD + 1):
                start, end = _month_start(today, shift), _month_start(today, shift + 1)
                name = f"{table}_{start:%Y_%m}"
                cursor.execute("SELECT to_regclass(%s)", [name])
                if cursor.fetchone()[0] is not None:
                    continue
                cursor.execute(
                    f'SELECT EXISTS (SELECT 1 FROM "{table}_default" WHERE "{column}" >= %s AND "{column}" < %s)',
                    [start, end],
                )
                if cursor.fetchone()[0]:
                    continue
                cursor.execute(
                    f'CREATE TABLE "{name}" PARTITION OF "{table}" FOR VALUES FROM (%s) TO (%s)', [start, end]
                )
                created.append(name)
    return created


def is_partitioned(table: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_partitioned_table WHERE partrelid = to_regclass(%s)", [table])
        return cursor.fetchone() is not None
