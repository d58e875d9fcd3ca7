"""Every write of the accounts app: registration, log-in record, passwords, profile and its picture, follows, blocks,
API tokens, deletion, staff's deactivation."""

from datetime import date
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.forms import PasswordResetForm as DjangoPasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.http import urlsafe_base64_decode
from rest_framework.authtoken.models import Token

from analytics.models import Activity
from analytics.rollups import impression_days, rollup_invalidate
from analytics.services import activity_record
from communities.services import ownerships_hand_over
from messaging.services import conversations_alone_delete
from notifications.services import notification_create
from posts.models import PostView
from socialnet.errors import Conflict
from socialnet.ratelimit import rate_limit_hit
from socialnet.tasks import enqueue

from .avatars import avatar_thumbnail
from .models import Block, Follow, Profile, User
from .selectors import is_blocked_between

# Profile fields a user may change; os and source are recorded once at sign-up.
PROFILE_EDITABLE_FIELDS = (
    "display_name", "bio", "gender", "birth_date", "country", "city", "occupation", "who_can_message"
)

SEARCH_ENGINES = ("google.", "bing.", "yandex.", "duckduckgo.", "yahoo.", "baidu.", "ecosia.")
AD_SOURCES = {"ads", "ad", "cpc", "ppc", "paid", "adwords", "google_ads", "facebook_ads"}


def device_os_from_user_agent(user_agent: str) -> str:
    """The OS family of a User-Agent; order matters (Android UAs say Linux, iPhone UAs say Mac OS X)."""
    ua = user_agent.lower()
    if "android" in ua:
        return Profile.OS.ANDROID
    if any(token in ua for token in ("iphone", "ipad", "ipod", "ios")):
        return Profile.OS.IOS
    if "windows" in ua:
        return Profile.OS.WINDOWS
    if "macintosh" in ua or "mac os x" in ua:
        return Profile.OS.MACOS
    if "linux" in ua or "x11" in ua:
        return Profile.OS.LINUX
    return Profile.OS.OTHER


def traffic_source_from(*, utm_source: str = "", referer: str = "") -> str:
    """Paid campaigns are `ads`; search engines and direct visits are `organic`; other referrers are `other`."""
    utm = utm_source.strip().lower()
    if utm:
        if utm in AD_SOURCES:
            return Profile.Source.ADS
        return Profile.Source.ORGANIC if utm == "organic" else Profile.Source.OTHER
    if not referer:
        return Profile.Source.ORGANIC
    from_search_engine = any(engine in referer.lower() for engine in SEARCH_ENGINES)
    return Profile.Source.ORGANIC if from_search_engine else Profile.Source.OTHER


def validate_birth_date(value: date | None) -> None:
    if value is not None and value > date.today():
        raise ValidationError("The birth date cannot be in the future.")


def user_register(
    *, username: str, email: str, password: str, user_agent: str = "", utm_source: str = "", referer: str = ""
) -> User:
    """Create a user with a profile that records the device OS and the traffic source of the sign-up."""
    username = (username or "").strip()
    email = (email or "").strip()
    errors: dict[str, list[str]] = {}
    try:
        if not username:
            raise ValidationError("This field is required.")
        UnicodeUsernameValidator()(username)
        if len(username) > User._meta.get_field("username").max_length:
            raise ValidationError("Usernames have at most 150 characters.")
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError("A user with that username already exists.")
    except ValidationError as e:
        errors["username"] = e.messages
    try:
        validate_email(email)
    except ValidationError as e:
        errors["email"] = e.messages
    try:
        password_validation.validate_password(password or "", user=User(username=username, email=email))
    except ValidationError as e:
        errors["password"] = e.messages
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            user = User.objects.create_user(username=username, email=email, password=password)
            Profile.objects.create(
                user=user,
                os=device_os_from_user_agent(user_agent),
                source=traffic_source_from(utm_source=utm_source, referer=referer),
            )
            activity_record(actor=user, verb="register", target=user)
    except IntegrityError:
        # Two sign-ups raced for the same name; the case-insensitive unique constraint let one through.
        raise ValidationError({"username": ["A user with that username already exists."]})
    return user


def user_login_record(*, user: User, ip_address: str = "") -> None:
    """Record a successful log-in (called from Django's user_logged_in signal)."""
    with transaction.atomic():
        activity_record(actor=user, verb="login", target=user, context={"ip": ip_address} if ip_address else None)


def token_issue(*, user: User) -> Token:
    """The API token of a user, created on first use."""
    token, _ = Token.objects.get_or_create(user=user)
    return token


def token_revoke(*, user: User) -> None:
    """Log the API client out: the token stops working; the next log-in issues a new one."""
    Token.objects.filter(user=user).delete()


def _password_set(*, user: User, password: str) -> None:
    """The new password signs every device out: sessions fail Django's check of the password hash, and the API token
    is revoked here (the client that changed it is handed a new one, a page keeps its session with
    update_session_auth_hash)."""
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        token_revoke(user=user)


def password_change(*, user: User, old_password: str, new_password: str) -> None:
    """Change one's password, confirmed by the current one (throttled as in password_confirm) and held to the same
    strength rules as at sign-up; every other device is signed out (_password_set)."""
    errors: dict[str, list[str]] = {}
    try:
        password_confirm(user=user, password=old_password)
    except ValidationError as error:
        errors["old_password"] = error.messages
    else:
        try:
            password_validation.validate_password(new_password, user=user)
        except ValidationError as error:
            errors["new_password"] = error.messages
    if errors:
        raise ValidationError(errors)
    _password_set(user=user, password=new_password)


def password_reset_request(*, email: str, ip_address: str, site_url: str) -> None:
    """Ask for a link to choose a new password by e-mail; the caller answers alike either way, so nobody learns who
    has an account. The request does the same work for any address: the throttle, then one task scheduled after
    commit, which looks the address up and sends the e-mail (password_reset_email_send), so neither the answer nor
    its timing tells whether an account has it, and a slow mail server slows no page.

    Throttled per client IP address and per e-mail address (known or not), so neither a mailbox nor the mail server
    can be flooded; RateLimited beyond RATE_LIMIT_PASSWORD_RESETS_PER_MINUTE."""
    from .tasks import password_reset_email  # here: the task module imports this one

    for subject in (f"ip:{ip_address}", f"email:{email.strip().lower()}"):
        rate_limit_hit(
            subject=subject, action="password_reset", per_minute=settings.RATE_LIMIT_PASSWORD_RESETS_PER_MINUTE
        )
    transaction.on_commit(lambda: enqueue(password_reset_email, email=email, site_url=site_url))


def password_reset_email_send(*, email: str, site_url: str) -> None:
    """E-mail a link to choose a new password to the active account(s) with this address, if any (run by the task
    that password_reset_request schedules). The e-mail is Django's reset e-mail (our templates,
    default_token_generator) whose link opens the reset page of the site at `site_url`
    (accounts:password_reset_confirm); an app may take `uid` and `token` from it for password_reset_confirm."""
    # Django's form does the sending (the accounts it picks: active, with a usable password; the link; a failed send
    # logged, not raised), so the page and the API send Django's very e-mail.
    sender = DjangoPasswordResetForm({"email": email})
    if sender.is_valid():
        site = urlsplit(site_url)
        sender.save(domain_override=site.netloc, use_https=site.scheme == "https")


def _reset_link_user(uidb64: str) -> User | None:
    """The account a reset link names (as Django's reset page reads it), or None."""
    try:
        return User._default_manager.get(pk=User._meta.pk.to_python(urlsafe_base64_decode(uidb64).decode()))
    except (TypeError, ValueError, OverflowError, User.DoesNotExist, ValidationError):
        return None


def password_reset_confirm(*, uidb64: str, token: str, new_password: str) -> User:
    """Choose a new password with a reset link's `uid` and `token`, held to the sign-up strength rules; every device
    is signed out (_password_set). The token is bound to the password it replaces, so a link works once, and expires
    after PASSWORD_RESET_TIMEOUT."""
    user = _reset_link_user(uidb64)
    if user is None:
        raise ValidationError({"uid": ["This password reset link is invalid."]})
    if not default_token_generator.check_token(user, token):
        raise ValidationError({"token": ["This password reset link is invalid, expired or already used."]})
    try:
        password_validation.validate_password(new_password, user=user)
    except ValidationError as error:
        raise ValidationError({"new_password": error.messages}) from error
    _password_set(user=user, password=new_password)
    return user


def profile_update(*, user: User, interests=None, email: str | None = None, **changes) -> Profile:
    """Change profile fields (and optionally the e-mail and interests); validates like the model does."""
    unknown = set(changes) - set(PROFILE_EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({name: ["This field cannot be changed."] for name in sorted(unknown)})
    profile, _ = Profile.objects.get_or_create(user=user)
    for name, value in changes.items():
        setattr(profile, name, "" if value is None and name != "birth_date" else value)
    errors: dict[str, list[str]] = {}
    try:
        profile.full_clean(exclude=["user", "os", "source"])
    except ValidationError as e:
        errors.update(e.message_dict)
    try:
        validate_birth_date(profile.birth_date)
    except ValidationError as e:
        errors.setdefault("birth_date", []).extend(e.messages)
    if email is not None:
        email = email.strip()
        try:
            validate_email(email)
        except ValidationError as e:
            errors["email"] = e.messages
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        profile.save()
        if email is not None and email != user.email:
            user.email = email
            user.save(update_fields=["email"])
        if interests is not None:
            profile.interests.set(interests)
        extra = {"email": email, "interests": interests}
        changed = sorted(changes) + [name for name, value in extra.items() if value is not None]
        activity_record(actor=user, verb="profile_update", target=user, context={"fields": changed})
    return profile


def avatar_set(*, user: User, upload) -> Profile:
    """Make an uploaded file the person's profile picture: stored as a normalised thumbnail (accounts.avatars), never
    as sent. Bad input raises ValidationError under `avatar` and changes nothing. The picture it replaces is deleted
    once the change is committed."""
    try:
        thumbnail = avatar_thumbnail(upload)
    except ValidationError as error:
        raise ValidationError({"avatar": error.messages}) from error
    profile, _ = Profile.objects.get_or_create(user=user)
    # The file is written before the row points at it; should the row not change, the new file goes again.
    name = profile.avatar.storage.save(profile.avatar.field.generate_filename(profile, thumbnail.name), thumbnail)
    try:
        with transaction.atomic():
            _avatar_replace(profile=profile, name=name)
            activity_record(actor=user, verb="avatar_set", target=user)
    except BaseException:
        profile.avatar.storage.delete(name)
        raise
    return profile


def avatar_remove(*, user: User) -> None:
    """Go back to the initials: the picture is deleted once the change is committed; a no-op without one."""
    profile = Profile.objects.filter(user=user).first()
    if profile is None or not profile.avatar:
        return
    with transaction.atomic():
        _avatar_replace(profile=profile, name="")
        activity_record(actor=user, verb="avatar_remove", target=user)


def _avatar_replace(*, profile: Profile, name: str) -> None:
    """Point the profile at the stored file `name` ("" for none) and delete the one it had after the commit. The row
    is locked to read that one: of two uploads at once, the later deletes the earlier's file."""
    old = Profile.objects.select_for_update().values_list("avatar", flat=True).get(pk=profile.pk)
    profile.avatar.name = name
    profile.save(update_fields=["avatar"])
    if old:
        _avatar_file_delete_on_commit(old)


def _avatar_file_delete_on_commit(name: str) -> None:
    """Delete a picture's file once the transaction that let go of it commits; should the storage fail, the error is
    logged and the file left over (robust), the change itself stands."""
    storage = Profile._meta.get_field("avatar").storage
    transaction.on_commit(lambda: storage.delete(name), robust=True)


def follow_add(*, follower: User, followee: User) -> Follow:
    """Follow a user; following yourself is invalid, a block either way forbids it, following twice conflicts."""
    if follower.pk == followee.pk:
        raise ValidationError({"followee": ["You cannot follow yourself."]})
    if is_blocked_between(user=follower, other=followee):
        raise PermissionDenied("You cannot follow this user.")
    try:
        with transaction.atomic():
            follow = Follow.objects.create(follower=follower, followee=followee)
            activity_record(actor=follower, verb="follow", target=followee)
            notification_create(recipient=followee, actor=follower, verb="follow", target=follower)
    except IntegrityError:
        raise Conflict("You already follow this user.")
    return follow


def follow_remove(*, follower: User, followee: User) -> None:
    """Stop following; a no-op when not following (unfollowing is idempotent)."""
    with transaction.atomic():
        deleted, _ = Follow.objects.filter(follower=follower, followee=followee).delete()
        if deleted:
            activity_record(actor=follower, verb="unfollow", target=followee)


def block_add(*, blocker: User, blocked: User) -> Block:
    """Block a user: they disappear from each other's lists, and follows in both directions end."""
    if blocker.pk == blocked.pk:
        raise ValidationError({"blocked": ["You cannot block yourself."]})
    try:
        with transaction.atomic():
            block = Block.objects.create(blocker=blocker, blocked=blocked)
            Follow.objects.filter(
                Q(follower=blocker, followee=blocked) | Q(follower=blocked, followee=blocker)
            ).delete()
            activity_record(actor=blocker, verb="block", target=blocked)
    except IntegrityError:
        raise Conflict("You already blocked this user.")
    return block


def block_remove(*, blocker: User, blocked: User) -> None:
    """Unblock; a no-op when there was no block."""
    with transaction.atomic():
        deleted, _ = Block.objects.filter(blocker=blocker, blocked=blocked).delete()
        if deleted:
            activity_record(actor=blocker, verb="unblock", target=blocked)


def user_delete(*, user: User) -> None:
    """Delete an account with all that goes with it: its posts, likes, feed impressions, messages, comments...
    (staff from the admin, which checks the permission; people themselves through account_delete).

    Communities it owns pass to their successors first (communities.services.ownerships_hand_over), and
    conversations nobody else is left in go. The feed roll-ups of the days of the impressions that go (the
    account's, and everyone's of its posts) are invalidated: the likes that go count only through those
    impressions. Its rows in the per-user roll-ups (ActiveUserWeek, ExperimentUserDay) go with it by cascade, as
    its actions stop counting (actor set to NULL). Its profile picture's file is deleted after the commit."""
    with transaction.atomic():
        avatar = Profile.objects.filter(user=user).exclude(avatar="").values_list("avatar", flat=True).first()
        if avatar:
            _avatar_file_delete_on_commit(avatar)
        days = impression_days(PostView.objects.filter(user=user)) | impression_days(
            PostView.objects.filter(post__author=user)
        )
        rollup_invalidate(days=days)  # before any write (see its docstring)
        # Its actions stay counted, anonymous: the details they carried (a login's IP address) go. The hand-overs
        # recorded next keep theirs (who now owns what).
        Activity.objects.filter(actor=user).exclude(context={}).update(context={})
        ownerships_hand_over(owner=user)
        conversations_alone_delete(user=user)
        user.delete()


def user_deactivate(*, actor: User, user: User) -> None:
    """Staff switch an account off (acting on reports about it): it can no longer sign in, its sessions end at their
    next request (Django refuses inactive users) and its API token is revoked. What it wrote stays; staff remove it
    post by post. The admin's "active" box turns it back on."""
    if not actor.is_staff:
        raise PermissionDenied("Only staff can deactivate accounts.")
    if user.is_staff:
        raise Conflict("Staff accounts are not deactivated here.")
    if not user.is_active:
        raise Conflict(f"{user.username} is already deactivated.")
    with transaction.atomic():
        user.is_active = False
        user.save(update_fields=["is_active"])
        Token.objects.filter(user=user).delete()
        activity_record(actor=actor, verb="user_deactivate", target=user)

def password_confirm(*, user: User, password: str) -> None:
    """Raise ValidationError unless `password` is the signed-in person's own.

    Throttled like logging in (AXES_FAILURE_LIMIT wrong passwords, then a cool-off of AXES_COOLOFF_TIME hours): a
    session left open must not let someone guess the password behind it, one confirmation form after another. A
    cache that is down forgets the failures rather than locking everyone out.
    """
    key = f"password-failures:{user.pk}"
    cooloff_seconds = int(settings.AXES_COOLOFF_TIME * 3600)
    if (cache.get(key) or 0) >= settings.AXES_FAILURE_LIMIT:
        minutes = max(1, round(cooloff_seconds / 60))
        raise ValidationError(f"Too many wrong passwords. Try again in {minutes} minutes.", code="throttled")
    if password and user.check_password(password):
        return
    if not cache.add(key, 1, timeout=cooloff_seconds):
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=cooloff_seconds)
    raise ValidationError("The password is not correct.", code="password_incorrect")


def account_delete(*, user: User, password: str) -> None:
    """A person deletes their own account, confirming it with their current password."""
    try:
        password_confirm(user=user, password=password)
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from error
    user_delete(user=user)
