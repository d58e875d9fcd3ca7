import csv
import math
from functools import wraps

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render

from . import selectors
from .experiments import experiment_report, report_csv_rows
from .forms import DateRangeForm
from .models import Experiment


def staff_required(view):
    """Anonymous visitors go to the login page; signed-in non-staff users get 403.

    The dashboards are PostgreSQL SQL (date_trunc, window functions): on the SQLite default they explain that.
    """

    @wraps(view)
    @login_required
    def wrapped(request, *args, **kwargs):
        if not request.user.is_staff:
            raise PermissionDenied
        if not settings.IS_POSTGRES:
            return render(request, "analytics/needs_postgres.html", status=501)
        return view(request, *args, **kwargs)

    return wrapped


def _csv_response(filename: str, rows) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    csv.writer(response).writerows(rows)
    return response


def _finite(value: float) -> float | None:
    """NaN (a rate without trials) is not valid JSON: charts get a gap instead."""
    return None if isinstance(value, float) and math.isnan(value) else value


def _column(table: selectors.Table, name: str) -> list:
    index = table.columns.index(name)
    return [row[index] for row in table.rows]


def _line_chart(chart_id: str, table: selectors.Table, series: list[str], kind: str = "line") -> dict:
    return {
        "id": chart_id,
        "title": table.title,
        "type": kind,
        "labels": _column(table, table.columns[0]),
        "datasets": [{"label": name, "data": _column(table, name)} for name in series],
    }


def _dashboard_charts(tables: dict[str, selectors.Table]) -> list[dict]:
    return [
        _line_chart("chart-dau", tables["dau"], ["users"]),
        _line_chart("chart-signups", tables["signups_daily"], ["users"], kind="bar"),
        _line_chart("chart-content", tables["content_daily"], ["posts", "likes", "messages", "communities"]),
        _line_chart("chart-feed", tables["feed_daily"], ["hitrate_at_5", "ctr"]),
    ]


@staff_required
def dashboard(request):
    form = DateRangeForm(request.GET or None)
    start, end = form.date_range()
    groups = selectors.dashboard_tables(start=start, end=end)
    tables = {table.name: table for group in groups.values() for table in group}
    context = {
        "form": form,
        "start": start,
        "end": end,
        "tables": [table for group in groups.values() for table in group],
        "charts": _dashboard_charts(tables),
        "experiments": selectors.experiment_list(),
    }
    return render(request, "analytics/dashboard.html", context)


@staff_required
def table_csv(request, name: str):
    start, end = DateRangeForm(request.GET or None).date_range()
    table = selectors.table_by_name(name=name, start=start, end=end)
    if table is None:
        raise Http404
    return _csv_response(f"{name}_{start}_{end}.csv", [table.columns, *table.rows])


@staff_required
def experiment_results(request, pk: int):
    experiment = get_object_or_404(selectors.experiment_list(), pk=pk)
    report = experiment_report(experiment=experiment)
    chart = {
        "id": "chart-experiment",
        "title": "Online hitrate@5 and CTR per group",
        "type": "bar",
        "labels": [group.group for group in report.groups],
        "datasets": [
            {"label": "hitrate@5", "data": [_finite(group.hitrate.value) for group in report.groups]},
            {"label": "CTR", "data": [_finite(group.ctr.value) for group in report.groups]},
        ],
    }
    return render(request, "analytics/experiment_results.html", {"report": report, "charts": [chart]})


@staff_required
def experiment_results_csv(request, pk: int):
    experiment = get_object_or_404(Experiment, pk=pk)
    report = experiment_report(experiment=experiment)
    return _csv_response(f"experiment_{experiment.pk}.csv", report_csv_rows(report))
