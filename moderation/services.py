"""Every write of moderation: reporting a post, a comment or a person, and resolving the reports on a target."""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from accounts.services import user_deactivate
from analytics.services import activity_record
from comments.models import Comment
from comments.services import comment_remove
from notifications.services import notifications_create
from posts.models import Post
from posts.services import post_remove
from socialnet.errors import Conflict
from socialnet.ratelimit import rate_limit_hit

from .models import NOTE_MAX_LENGTH, OPEN, Report
from .selectors import reports_handled_by, target_is_taken_down, target_is_visible_to, target_type_of

# What resolving does to the target, and the status it leaves the reports in.
RESOLVE_ACTIONS = {"remove": Report.Status.ACTIONED, "dismiss": Report.Status.DISMISSED}
NOUNS = {"post": "post", "comment": "comment", "user": "person"}
OUTCOMES = {"remove": "Taken down", "dismiss": "Left up"}


def _excerpt(target) -> str:
    """What the reporter's notification quotes of the target: its text's start, or the person's @username."""
    return f"@{target.username}" if target_type_of(target) == "user" else target.text[:150]


def _author_id(target) -> int:
    return target.pk if target_type_of(target) == "user" else target.author_id


def report_check_target(*, reporter, target) -> None:
    """Http404 for what the reporter cannot see, PermissionDenied for their own content or themselves (also used to
    refuse the report page before it shows the form)."""
    if not target_is_visible_to(target=target, user=reporter):
        raise Http404(f"No such {target_type_of(target)}.")
    if _author_id(target) == reporter.pk:
        target_type = target_type_of(target)
        raise PermissionDenied("You cannot report yourself." if target_type == "user" else
                               f"You cannot report your own {target_type}.")


def _community_id(target) -> int | None:
    if isinstance(target, Post):
        return target.community_id
    if isinstance(target, Comment):
        return target.post.community_id
    return None


def report_create(*, reporter, target, reason: str, note: str = "") -> Report:
    """Report a post, comment or person to its moderators (a community's for its posts and comments, else staff).
    One open report per reporter and target: another is refused (Conflict) until moderators close it."""
    rate_limit_hit(user=reporter, action="report", per_minute=settings.RATE_LIMIT_REPORTS_PER_MINUTE)
    report_check_target(reporter=reporter, target=target)
    note = (note or "").strip()
    errors = {}
    if reason not in Report.Reason.values:
        errors["reason"] = "Choose a reason."
    if len(note) > NOTE_MAX_LENGTH:
        errors["note"] = f"At most {NOTE_MAX_LENGTH} characters (this has {len(note)})."
    if errors:
        raise ValidationError(errors)
    target_type = target_type_of(target)
    on_target = {f"target_{target_type}": target}
    already = f"You have already reported this {NOUNS[target_type]}; moderators will review it."
    if Report.objects.filter(OPEN, reporter=reporter, **on_target).exists():
        raise Conflict(already)
    try:
        with transaction.atomic():
            report = Report.objects.create(
                reporter=reporter, reason=reason, note=note, community_id=_community_id(target), **on_target
            )
            activity_record(
                actor=reporter,
                verb="report_create",
                target=report,
                context={"target_type": target_type, "target_id": target.pk, "reason": reason},
            )
    except IntegrityError:
        # The same person's same report, sent twice at once: the unique open report already exists.
        if Report.objects.filter(OPEN, reporter=reporter, **on_target).exists():
            raise Conflict(already) from None
        raise
    return report


def _take_down(*, actor, target) -> None:
    """The removal each kind of target already has: a moderator's, for posts and comments; staff's deactivation of
    an account, for a person."""
    if isinstance(target, Post):
        post_remove(actor=actor, post=target)
    elif isinstance(target, Comment):
        comment_remove(moderator=actor, comment=target)
    else:
        user_deactivate(actor=actor, user=target)


def report_resolve(*, actor, report: Report, action: str) -> int:
    """Close every open report on `report`'s target: "remove" takes the target down first (unless it already is) and
    leaves them actioned, "dismiss" leaves it and them dismissed. Returns how many reports were closed."""
    if action not in RESOLVE_ACTIONS:
        raise ValidationError({"action": f"Choose one of: {', '.join(RESOLVE_ACTIONS)}."})
    if not reports_handled_by(user=actor).filter(pk=report.pk).exists():
        raise PermissionDenied("Only staff and the community's moderators handle this report.")
    target, target_type = report.target, report.target_type
    with transaction.atomic():
        # Locked: a second moderator resolving the same target at once waits, then finds it handled.
        on_target = Report.objects.filter(OPEN, **{f"target_{target_type}": target})
        open_reports = dict(on_target.select_for_update().values_list("pk", "reporter_id"))
        open_ids = list(open_reports)
        if report.pk not in open_ids:
            raise Conflict("This report has already been handled.")
        # Closed before the take-down: a removed comment without replies is deleted, and its reports with it.
        closed = Report.objects.filter(pk__in=open_ids).update(
            status=RESOLVE_ACTIONS[action], handled_by=actor, handled_at=timezone.now()
        )
        activity_record(
            actor=actor,
            verb="report_resolve",
            target=report,
            context={"action": action, "reports": closed, "target_type": target_type, "target_id": target.pk},
        )
        # Each reporter learns the outcome; who moderated stays unnamed (no actor).
        notifications_create(
            recipient_ids=set(open_reports.values()),
            actor=None,
            verb="report",
            text=f"{OUTCOMES[action]}: {_excerpt(target)}",
        )
        if action == "remove" and not target_is_taken_down(target):
            _take_down(actor=actor, target=target)
    return closed
