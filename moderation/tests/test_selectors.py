from datetime import timedelta

import pytest
from django.utils import timezone

from moderation.models import Report
from moderation.selectors import (
    is_report_handler,
    open_report_target_count,
    report_queue,
    report_summaries_attach,
)
from moderation.services import report_create, report_resolve
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
Reason = Report.Reason


def _report(reporter, target, reason, note="", minutes_ago=0):
    report = report_create(reporter=reporter, target=target, reason=reason, note=note)
    Report.objects.filter(pk=report.pk).update(created_at=timezone.now() - timedelta(minutes=minutes_ago))
    return report


def test_the_queue_has_one_entry_per_target_oldest_first_with_counts_reasons_and_notes(scene):
    person = _report(scene.reporter, scene.author, "hate", minutes_ago=50)
    on_post = _report(scene.reporter, scene.post, "spam", note="pills", minutes_ago=40)
    _report(scene.reporter2, scene.post, "spam", minutes_ago=30)
    _report(scene.owner, scene.post, "hate", note="and slurs", minutes_ago=20)
    on_comment = _report(scene.reporter, scene.comment, "harassment", minutes_ago=10)
    dismissed = _report(scene.reporter, scene.wall_post, "other", minutes_ago=60)
    report_resolve(actor=scene.staff, report=dismissed, action="dismiss")

    entries = report_summaries_attach(report_queue(user=scene.staff))

    assert [entry.pk for entry in entries] == [person.pk, on_post.pk, on_comment.pk]
    post_entry = entries[1]
    assert post_entry.report_count == 3
    assert post_entry.reasons == [(Reason.SPAM, 2), (Reason.HATE, 1)]
    assert post_entry.notes == ["and slurs", "pills"]  # newest first
    assert (entries[0].report_count, entries[0].notes) == (1, [])
    assert open_report_target_count(user=scene.staff) == 3
    # The community's moderators see its post and comment, not the person (staff's).
    assert [entry.pk for entry in report_queue(user=scene.moderator)] == [on_post.pk, on_comment.pk]


def test_the_queue_shows_the_newest_five_notes(scene):
    for minutes_ago in range(7):
        _report(UserFactory(), scene.post, "spam", note=f"note {minutes_ago}", minutes_ago=minutes_ago)
    (entry,) = report_summaries_attach(report_queue(user=scene.moderator))
    assert (entry.report_count, entry.notes) == (7, [f"note {n}" for n in range(5)])


def test_who_has_a_queue(scene):
    banned_moderator = MembershipFactory(is_banned=True).user  # a ban demotes; a banned row has no role to moderate
    assert [is_report_handler(user=u) for u in (scene.staff, scene.owner, scene.moderator)] == [True] * 3
    assert [is_report_handler(user=u) for u in (scene.author, scene.reporter, banned_moderator)] == [False] * 3
    _report(scene.reporter, scene.post, "spam")
    assert [open_report_target_count(user=u) for u in (scene.moderator, scene.author, scene.reporter)] == [1, 0, 0]

