import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from rest_framework.authtoken.models import Token

from analytics.models import Activity
from comments.models import Comment
from moderation.models import Report
from moderation.services import report_create, report_resolve
from socialnet.errors import Conflict, RateLimited
from tests.factories import BlockFactory, CommentFactory, PostFactory

pytestmark = pytest.mark.django_db
Status = Report.Status


def report(scene, target, reporter=None, reason="spam", note=""):
    return report_create(reporter=reporter or scene.reporter, target=target, reason=reason, note=note)


def test_report_create_for_each_kind_of_target(scene):
    on_post = report(scene, scene.post, note="  selling pills  ")
    on_comment = report(scene, scene.comment, reason="harassment")
    on_person = report(scene, scene.author, reason="other")

    assert (on_post.target, on_post.target_type, on_post.note) == (scene.post, "post", "selling pills")
    assert (on_comment.target, on_comment.target_type) == (scene.comment, "comment")
    assert (on_person.target, on_person.target_type) == (scene.author, "user")
    # Community moderators handle what is in their community; people are staff's.
    assert [r.community for r in (on_post, on_comment, on_person)] == [scene.community, scene.community, None]
    assert report(scene, scene.wall_post).community is None
    assert all(r.status == Status.OPEN and r.handled_at is None for r in Report.objects.all())
    recorded = Activity.objects.filter(verb="report_create").order_by("id")
    assert [(a.actor, a.target_type, a.target_id, a.context) for a in recorded[:2]] == [
        (scene.reporter, "report", on_post.pk, {"target_type": "post", "target_id": scene.post.pk, "reason": "spam"}),
        (scene.reporter, "report", on_comment.pk,
         {"target_type": "comment", "target_id": scene.comment.pk, "reason": "harassment"}),
    ]


@pytest.mark.parametrize(("target", "message"), [
    ("post", "You cannot report your own post."),
    ("comment", "You cannot report your own comment."),
    ("author", "You cannot report yourself."),
])
def test_nobody_reports_themselves_or_their_own_content(scene, target, message):
    with pytest.raises(PermissionDenied, match=message):
        report(scene, getattr(scene, target), reporter=scene.author)
    assert not Report.objects.exists() and not Activity.objects.exists()


def test_what_the_reporter_cannot_see_is_404(scene):
    removed = PostFactory(author=scene.author, removed_at="2026-01-01T00:00:00Z")
    BlockFactory(blocker=scene.author, blocked=scene.reporter)
    for target in (removed, scene.post, scene.comment, scene.author):
        with pytest.raises(Http404):
            report(scene, target)
    assert not Report.objects.exists()


def test_a_person_i_blocked_can_still_be_reported(scene):
    """Blocking and reporting go together; their posts are hidden from me, their profile is not."""
    BlockFactory(blocker=scene.reporter, blocked=scene.author)
    assert report(scene, scene.author).target_user == scene.author
    with pytest.raises(Http404):
        report(scene, scene.post)


def test_one_open_report_per_reporter_and_target(scene):
    first = report(scene, scene.post)
    with pytest.raises(Conflict, match="You have already reported this post; moderators will review it."):
        report(scene, scene.post, reason="hate")
    report(scene, scene.post, reporter=scene.reporter2)  # someone else may
    report_resolve(actor=scene.moderator, report=first, action="dismiss")
    again = report(scene, scene.post, reason="hate")  # once closed, the same person may report again
    assert again.status == Status.OPEN
    assert Report.objects.filter(reporter=scene.reporter).count() == 2


def test_the_database_keeps_one_open_report_per_reporter_and_target(scene):
    report(scene, scene.post)
    with pytest.raises(IntegrityError), transaction.atomic():
        Report.objects.create(reporter=scene.reporter, target_post=scene.post, reason="spam")


@pytest.mark.parametrize("targets", [{"target_post": "post", "target_user": "author"}, {}])
def test_the_database_wants_exactly_one_target(scene, targets):
    with pytest.raises(IntegrityError), transaction.atomic():
        Report.objects.create(reporter=scene.reporter, reason="spam",
                              **{field: getattr(scene, name) for field, name in targets.items()})


def test_the_database_wants_a_closed_report_handled(scene):
    with pytest.raises(IntegrityError), transaction.atomic():
        Report.objects.create(reporter=scene.reporter, target_post=scene.post, reason="spam", status=Status.DISMISSED)


@pytest.mark.parametrize(("reason", "note", "field"), [("", "", "reason"), ("boring", "", "reason"),
                                                      ("spam", "x" * 1001, "note")])
def test_bad_input_is_refused_per_field(scene, reason, note, field):
    with pytest.raises(ValidationError) as raised:
        report(scene, scene.post, reason=reason, note=note)
    assert list(raised.value.message_dict) == [field]
    assert not Report.objects.exists()


def test_reports_are_rate_limited(scene, settings):
    settings.RATE_LIMIT_REPORTS_PER_MINUTE = 2
    report(scene, scene.post)
    report(scene, scene.comment)
    with pytest.raises(RateLimited, match="at most 2 reports per minute"):
        report(scene, scene.author)
    assert Report.objects.count() == 2


def _reports_on_post(scene):
    """Three open reports on the community post, one on the comment."""
    reports = [report(scene, scene.post, reporter=who) for who in (scene.reporter, scene.reporter2, scene.owner)]
    return reports, report(scene, scene.comment)


def test_moderator_removes_a_reported_post_and_closes_every_report_on_it(scene):
    (first, *_), on_comment = _reports_on_post(scene)

    closed = report_resolve(actor=scene.moderator, report=first, action="remove")

    assert closed == 3
    scene.post.refresh_from_db()
    assert scene.post.removed_at is not None and scene.post.removed_by == scene.moderator
    handled = Report.objects.filter(target_post=scene.post)
    assert {(r.status, r.handled_by, r.handled_at is not None) for r in handled} == {
        (Status.ACTIONED, scene.moderator, True)
    }
    assert Report.objects.get(pk=on_comment.pk).status == Status.OPEN  # another target
    resolved = Activity.objects.get(verb="report_resolve")
    assert (resolved.actor, resolved.target_id, resolved.context) == (
        scene.moderator, first.pk, {"action": "remove", "reports": 3, "target_type": "post", "target_id": scene.post.pk}
    )
    assert Activity.objects.filter(verb="post_remove", actor=scene.moderator).count() == 1


def test_dismissing_leaves_the_target(scene):
    (first, *_), _ = _reports_on_post(scene)
    assert report_resolve(actor=scene.owner, report=first, action="dismiss") == 3
    scene.post.refresh_from_db()
    assert scene.post.removed_at is None
    assert set(Report.objects.filter(target_post=scene.post).values_list("status", "handled_by")) == {
        (Status.DISMISSED, scene.owner.pk)
    }


def test_removing_a_comment_without_replies_deletes_it_with_its_reports(scene):
    """The comment row goes (comments.services' rule), and the reports with it; the activity log keeps the decision."""
    on_comment = report(scene, scene.comment)
    assert report_resolve(actor=scene.moderator, report=on_comment, action="remove") == 1
    assert not Comment.objects.filter(pk=scene.comment.pk).exists()
    assert not Report.objects.exists()
    assert Activity.objects.get(verb="report_resolve").context["target_id"] == scene.comment.pk


def test_removing_a_comment_with_replies_keeps_the_placeholder_and_the_actioned_report(scene):
    CommentFactory(post=scene.post, parent=scene.comment)
    on_comment = report(scene, scene.comment)
    report_resolve(actor=scene.moderator, report=on_comment, action="remove")
    scene.comment.refresh_from_db()
    assert scene.comment.deleted_at is not None and scene.comment.removed_by == scene.moderator
    assert Report.objects.get().status == Status.ACTIONED


def test_staff_remove_wall_posts_and_deactivate_people(scene):
    on_wall = report(scene, scene.wall_post)
    on_person = report(scene, scene.author)
    Token.objects.create(user=scene.author)

    report_resolve(actor=scene.staff, report=on_wall, action="remove")
    report_resolve(actor=scene.staff, report=on_person, action="remove")

    scene.wall_post.refresh_from_db()
    scene.author.refresh_from_db()
    assert scene.wall_post.removed_by == scene.staff
    assert not scene.author.is_active
    assert not Token.objects.filter(user=scene.author).exists()
    assert Activity.objects.filter(verb="user_deactivate", actor=scene.staff, target_id=scene.author.pk).exists()
    assert set(Report.objects.values_list("status", flat=True)) == {Status.ACTIONED}


def test_a_target_already_taken_down_is_closed_as_actioned(scene):
    """A moderator removed the post from the community page meanwhile: its reports, and those on its comments, close
    without a second removal."""
    on_post, on_comment = report(scene, scene.post), report(scene, scene.comment)
    scene.post.removed_at = "2026-01-01T00:00:00Z"
    scene.post.save()
    assert report_resolve(actor=scene.moderator, report=on_post, action="remove") == 1
    assert report_resolve(actor=scene.moderator, report=on_comment, action="remove") == 1
    assert set(Report.objects.values_list("status", flat=True)) == {Status.ACTIONED}
    assert Comment.objects.get(pk=scene.comment.pk).deleted_at is None
    assert not Activity.objects.filter(verb__in=["post_remove", "comment_remove"]).exists()


@pytest.mark.parametrize("who", ["reporter", "author"])
def test_people_without_a_queue_cannot_resolve(scene, who):
    on_post = report(scene, scene.post)
    with pytest.raises(PermissionDenied):
        report_resolve(actor=getattr(scene, who), report=on_post, action="dismiss")
    assert Report.objects.get().status == Status.OPEN


def test_community_moderators_handle_only_their_communitys_posts_and_comments(scene):
    on_wall, on_person = report(scene, scene.wall_post), report(scene, scene.author)
    own_post = PostFactory(author=scene.moderator, community=scene.community)
    on_own = report(scene, own_post)
    for handled_by_staff in (on_wall, on_person, on_own):
        with pytest.raises(PermissionDenied):
            report_resolve(actor=scene.moderator, report=handled_by_staff, action="dismiss")
    assert report_resolve(actor=scene.owner, report=on_own, action="dismiss") == 1  # another moderator judges it
    assert Report.objects.filter(status=Status.OPEN).count() == 2


def test_resolving_twice_is_a_conflict_and_a_bad_action_is_refused(scene):
    on_post = report(scene, scene.post)
    with pytest.raises(ValidationError) as raised:
        report_resolve(actor=scene.moderator, report=on_post, action="delete")
    assert list(raised.value.message_dict) == ["action"]
    report_resolve(actor=scene.moderator, report=on_post, action="dismiss")
    with pytest.raises(Conflict, match="already been handled"):
        report_resolve(actor=scene.owner, report=on_post, action="remove")
    scene.post.refresh_from_db()
    assert scene.post.removed_at is None


@pytest.mark.parametrize("action, outcome", [("remove", "Taken down"), ("dismiss", "Left up")])
def test_every_reporter_learns_the_outcome_and_not_who_decided(
    scene, action, outcome, client, django_capture_on_commit_callbacks
):
    from notifications.models import Notification

    (first, *_), _ = _reports_on_post(scene)
    with django_capture_on_commit_callbacks(execute=True):
        report_resolve(actor=scene.moderator, report=first, action=action)

    told = Notification.objects.filter(verb="report")
    assert sorted(told.values_list("recipient__username", "actor", "text")) == [
        (name, None, f"{outcome}: a community post") for name in ("owner", "reporter", "reporter2")
    ]
    client.force_login(scene.reporter)
    page = " ".join(client.get("/notifications/").content.decode().split())
    assert f"Moderators handled your report <span class=\"muted\">“{outcome}: a community post”</span>" in page
