"""Reads of moderation: what may be reported, which reports each person handles, and their queue."""

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.http import Http404

from accounts.models import Block, User
from comments.models import Comment
from comments.selectors import comment_is_visible_to
from communities.models import Membership
from posts.models import Post
from posts.selectors import post_is_visible_to

from .models import OPEN, Report

TARGET_MODELS = {"post": Post, "comment": Comment, "user": User}
MODERATOR_ROLES = (Membership.Role.OWNER, Membership.Role.MODERATOR)
NOTES_SHOWN = 5  # per target in the queue, newest first
TARGET_FIELDS = ("target_post", "target_comment", "target_user")
QUEUE_RELATED = (
    "target_post__author__profile",
    "target_post__community",
    "target_comment__author__profile",
    "target_comment__post__community",
    "target_user__profile",
    "community",
)


def target_type_of(target) -> str:
    """"post", "comment" or "user": the API's name of a reportable object's kind."""
    return target._meta.model_name


def target_is_visible_to(*, target, user) -> bool:
    """Posts and comments as everywhere (blocks either way hide them); a person unless they blocked the viewer, as
    their profile page."""
    if isinstance(target, Post):
        return post_is_visible_to(post=target, user=user)
    if isinstance(target, Comment):
        return comment_is_visible_to(comment=target, user=user)
    return not Block.objects.filter(blocker=target, blocked=user).exists()


def target_is_taken_down(target) -> bool:
    """A post removed, a comment removed (or its post), a person deactivated: nothing left to take down."""
    if isinstance(target, Post):
        return target.removed_at is not None
    if isinstance(target, Comment):
        return target.deleted_at is not None or target.post.removed_at is not None
    return not target.is_active


def report_target_get(*, target_type: str, target_id: int, viewer):
    """The post, comment or person to report; Http404 when there is none or it is hidden from the viewer."""
    model = TARGET_MODELS.get(target_type)
    if model is Post:
        target = Post.objects.select_related("author__profile", "community").filter(pk=target_id).first()
    elif model is Comment:
        target = Comment.objects.select_related("author__profile", "post__community").filter(pk=target_id).first()
    elif model is User:
        target = User.objects.select_related("profile").filter(pk=target_id).first()
    else:
        raise Http404("Only posts, comments and people can be reported.")
    if target is None or not target_is_visible_to(target=target, user=viewer):
        raise Http404(f"No such {target_type}.")
    return target


def reports_handled_by(*, user) -> QuerySet[Report]:
    """Reports `user` handles: every one for staff; for a community's owner and moderators, those on its posts and
    comments, except on their own (other moderators or staff judge those)."""
    if user is None or not user.is_authenticated:
        return Report.objects.none()
    if user.is_staff:
        return Report.objects.all()
    moderated = Membership.objects.filter(user=user, is_banned=False, role__in=MODERATOR_ROLES)
    return (
        Report.objects.filter(community__in=moderated.values("community"))
        .exclude(target_post__author=user)
        .exclude(target_comment__author=user)
    )


def is_report_handler(*, user) -> bool:
    """Staff, and owners and moderators of a community: those who have a queue."""
    if user is None or not user.is_authenticated:
        return False
    return user.is_staff or Membership.objects.filter(user=user, is_banned=False, role__in=MODERATOR_ROLES).exists()


def report_get_for_handler(*, report_id: int, user) -> Report:
    """A report `user` handles, with its target loaded; Http404 for any other (reports are private)."""
    report = reports_handled_by(user=user).select_related(*QUEUE_RELATED).filter(pk=report_id).first()
    if report is None:
        raise Http404("No such report.")
    return report


def _same_target_as_outer() -> Q:
    # Only the outer report's own target key can match: the other two are NULL, and NULL equals nothing.
    return Q(target_post=OuterRef("target_post")) | Q(target_comment=OuterRef("target_comment")) | Q(
        target_user=OuterRef("target_user")
    )


def report_queue(*, user) -> QuerySet[Report]:
    """What `user` has to handle: one entry per reported target, its oldest open report (through which it is
    resolved), oldest first, with the target loaded. report_summaries_attach adds counts, reasons and notes."""
    earlier = Report.objects.filter(OPEN, _same_target_as_outer()).filter(
        Q(created_at__lt=OuterRef("created_at")) | Q(created_at=OuterRef("created_at"), pk__lt=OuterRef("pk"))
    )
    return (
        reports_handled_by(user=user)
        .filter(OPEN)
        .filter(~Exists(earlier))
        .select_related(*QUEUE_RELATED)
        .order_by("created_at", "id")
    )


def open_report_target_count(*, user) -> int:
    """How many reported targets wait for `user` (the top bar's badge)."""
    if user is None or not user.is_authenticated:
        return 0
    return report_queue(user=user).count()


def _target_key(row) -> tuple:
    if isinstance(row, Report):
        return row.target_post_id, row.target_comment_id, row.target_user_id
    return tuple(row[f"{field}_id"] for field in TARGET_FIELDS)


def report_summaries_attach(entries) -> list[Report]:
    """Set on each queue entry the open reports on its target: `report_count`, `reasons` ([(Report.Reason, count)],
    most frequent first) and `notes` (the newest NOTES_SHOWN that are not empty); and `taken_down`. Two queries for a
    whole page."""
    entries = list(entries)
    if not entries:
        return entries
    on_targets = Q()
    for field in TARGET_FIELDS:
        ids = [getattr(entry, f"{field}_id") for entry in entries if getattr(entry, f"{field}_id") is not None]
        if ids:
            on_targets |= Q(**{f"{field}__in": ids})
    open_reports = Report.objects.filter(OPEN, on_targets).order_by()
    keys = [f"{field}_id" for field in TARGET_FIELDS]
    reasons: dict[tuple, list] = {}
    for row in open_reports.values(*keys, "reason").annotate(n=Count("id")).order_by("-n", "reason"):
        reasons.setdefault(_target_key(row), []).append((Report.Reason(row["reason"]), row["n"]))
    newest_first = Window(
        RowNumber(), partition_by=[F(key) for key in keys], order_by=[F("created_at").desc(), F("id").desc()]
    )
    notes: dict[tuple, list] = {}
    latest_notes = (
        open_reports.exclude(note="").annotate(rank=newest_first).filter(rank__lte=NOTES_SHOWN).order_by("rank")
    )
    for row in latest_notes.values(*keys, "note"):
        notes.setdefault(_target_key(row), []).append(row["note"])
    for entry in entries:
        key = _target_key(entry)
        entry.reasons = reasons.get(key, [])
        entry.report_count = sum(n for _, n in entry.reasons)
        entry.notes = notes.get(key, [])
        entry.taken_down = target_is_taken_down(entry.target)
    return entries
