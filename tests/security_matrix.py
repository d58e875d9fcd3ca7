"""The security decision table: for every named URL of the site, who may do what, and a small world to try it on.

tests/test_permissions.py walks the URL configuration and fails for any URL name missing here, so a new endpoint
must come with a decision. Roles: "anon" (not signed in), "other" (an unrelated signed-in user), "owner" (alice, who
owns the world's objects: her post and comment, the community, the conversation with bob and her message in it, her
notification) and
"staff" (a superuser); alice's community has an open report (eve's, on bob's post there), which alice handles as its
owner. Expected values are status codes; LOGIN means a redirect to the login page.
"""

from dataclasses import dataclass, field

from django.urls import URLPattern, URLResolver, get_resolver

from accounts.models import Profile
from analytics.models import Activity
from comments.models import Comment, CommentLike
from communities.models import Community, Membership
from messaging.models import Conversation, Message, Participant
from moderation.models import Report
from notifications.models import Notification
from posts.models import Like, Post, Repost
from recommender.models import ModelVersion
from tests.factories import (
    PASSWORD,
    CommentFactory,
    CommunityFactory,
    ConversationFactory,
    ExperimentFactory,
    LikeFactory,
    MembershipFactory,
    MessageFactory,
    ModelVersionFactory,
    NotificationFactory,
    ParticipantFactory,
    PostFactory,
    RepostFactory,
    TopicFactory,
    UserFactory,
    picture_upload,
)

LOGIN = "login"
PRIVATE_MESSAGE_MARK = "s3cr3t"  # in the world's private messages
ROLES = ("anon", "other", "owner", "staff")

# Public by decision: static files, the API schema and its docs, health checks. Django admin is checked apart.
PUBLIC_BY_DECISION = {"schema", "swagger-ui", "healthz", "readyz"}

# Every user-writable text in the world carries all four payloads (tests/test_xss.py checks how pages show them).
# Short enough (95 characters) for the 100-character fields.
XSS_PAYLOAD = '<script>alert(1)</script><img src=x onerror=alert(1)>"><svg onload=alert(1)>javascript:alert(1)'


@dataclass
class World:
    """The objects every case is built from; texts hold the XSS payload so every page of the matrix is checked."""

    alice: object
    bob: object
    moderator: object
    banned: object
    carol: object
    staff: object
    post: object
    bob_post: object
    comment: object
    reply: object
    community: object
    community_post: object
    conversation: object
    message: object
    alice_message: object
    notification: object
    report: object
    experiment: object
    model_version: object
    topic: object
    users: dict = field(default_factory=dict)

    def user_for(self, role):
        return {"anon": None, "other": self.carol, "owner": self.alice, "staff": self.staff}[role]


def text(label: str) -> str:
    return f"{label} {XSS_PAYLOAD}"  # 95 + 5: labels of up to 4 characters fit 100-character fields


def build_world() -> World:
    topic = TopicFactory(name="tech")

    def person(name, **extra):
        user = UserFactory(username=name, email=f"{name}.secret@mail.example", **extra)
        profile = user.profile
        profile.display_name, profile.bio, profile.city = text(name[:4]), text("bio"), text("city")
        profile.save()
        return user

    alice, bob, moderator, banned, carol = (person(n) for n in ("alice", "bob", "mod", "eve", "carol"))
    staff = person("root", is_staff=True, is_superuser=True)
    post = PostFactory(author=alice, topic=topic, text=text("post"))
    bob_post = PostFactory(author=bob, topic=topic, text=text("bobpost"))
    RepostFactory(user=alice, post=bob_post, note=text("note"))
    LikeFactory(user=bob, post=post)  # so the likers page shows a name
    comment = CommentFactory(post=post, author=alice, text=text("comment"))
    reply = CommentFactory(post=post, author=bob, parent=comment, text=text("reply"))
    community = CommunityFactory(
        slug="club", name=text("club"), description=text("clubdesc"), topic=topic, created_by=alice
    )
    MembershipFactory(community=community, user=alice, role=Membership.Role.OWNER)
    MembershipFactory(community=community, user=bob, role=Membership.Role.MEMBER)
    MembershipFactory(community=community, user=moderator, role=Membership.Role.MODERATOR)
    MembershipFactory(community=community, user=banned, is_banned=True)
    community_post = PostFactory(author=bob, topic=topic, community=community, text=text("cpost"))
    conversation = ConversationFactory(title=text("chat"), created_by=alice)
    ParticipantFactory(conversation=conversation, user=alice)
    ParticipantFactory(conversation=conversation, user=bob)
    message = MessageFactory(conversation=conversation, sender=bob, text=text(PRIVATE_MESSAGE_MARK))
    alice_message = MessageFactory(conversation=conversation, sender=alice, text=text(PRIVATE_MESSAGE_MARK))
    notification = NotificationFactory(
        recipient=alice, actor=bob, verb=Notification.Verb.COMMENT, target_type="comment", target_id=reply.pk
    )
    report = Report.objects.create(
        reporter=banned, target_post=community_post, community=community, reason="spam", note=text("rep")
    )
    model_version = ModelVersionFactory()
    experiment = ExperimentFactory(name=text("exp"))
    return World(
        alice=alice, bob=bob, moderator=moderator, banned=banned, carol=carol, staff=staff, post=post,
        bob_post=bob_post, comment=comment, reply=reply, community=community, community_post=community_post,
        conversation=conversation, message=message, alice_message=alice_message, notification=notification,
        report=report, experiment=experiment, model_version=model_version, topic=topic,
    )


def snapshot() -> dict:
    """What a refused write must leave as it was: row counts and the fields that writes change."""
    return {
        "activity": Activity.objects.count(),
        "posts": sorted(Post.objects.values_list("id", "text", "removed_at")),
        "comments": sorted(Comment.objects.values_list("id", "text", "deleted_at")),
        "likes": Like.objects.count(),
        "comment_likes": CommentLike.objects.count(),
        "reposts": Repost.objects.count(),
        "communities": sorted(Community.objects.values_list("id", "name", "description")),
        "memberships": sorted(Membership.objects.values_list("user_id", "community_id", "role", "is_banned")),
        "conversations": Conversation.objects.count(),
        "participants": sorted(Participant.objects.values_list("user_id", "conversation_id", "last_read_at")),
        "messages": sorted(Message.objects.values_list("id", "text", "edited_at", "deleted_at")),
        "notifications": sorted(Notification.objects.values_list("id", "read_at")),
        "model_versions": sorted(ModelVersion.objects.values_list("id", "status")),
        "reports": sorted(Report.objects.values_list("id", "status")),
        "avatars": sorted(Profile.objects.exclude(avatar="").values_list("user_id", "avatar")),
    }


@dataclass
class Decision:
    """How to reach one URL name and what each role gets, per HTTP method.

    `expect` maps a method to (anon, other, owner, staff); `data` maps a method to a request body builder.
    """

    kwargs: object = None  # World -> dict of URL kwargs
    expect: dict = field(default_factory=dict)
    data: dict = field(default_factory=dict)
    query: str = ""
    api: bool = False
    multipart: bool = False  # an API body with a file (the HTML forms' bodies are multipart anyway)

    def url_kwargs(self, world: World) -> dict:
        return self.kwargs(world) if self.kwargs else {}


def E(anon, other, owner, staff):  # noqa: N802 - reads as a table row
    return dict(zip(ROLES, (anon, other, owner, staff), strict=True))


ALL_200 = E(200, 200, 200, 200)
LOGGED_IN_200 = E(LOGIN, 200, 200, 200)
LOGGED_IN_302 = E(LOGIN, 302, 302, 302)
STAFF_ONLY_HTML = E(LOGIN, 403, 403, 200)
STAFF_ONLY_API = E(401, 403, 403, 200)
PRIVATE_HTML = E(LOGIN, 404, 200, 404)
API_ALL_200 = E(200, 200, 200, 200)
API_AUTH_200 = E(401, 200, 200, 200)


def post_kw(world):
    return {"pk": world.post.pk}


def bob_post_kw(world):
    return {"post_id": world.bob_post.pk}


def comment_kw(world):
    return {"pk": world.comment.pk}


def club_kw(world):
    return {"slug": world.community.slug}


def chat_kw(world):
    return {"pk": world.conversation.pk}


def alice_message_kw(world):
    return {"pk": world.alice_message.pk}


def user_kw(name):
    return lambda world: {"username": name}


def post_body(world):
    return {"text": "a new post", "topic": world.topic.pk}


def api_post_body(world):
    return {"text": "a new post", "topic": world.topic.name}


MATRIX: dict[str, Decision] = {
    # Feed and accounts (HTML)
    "feed:home": Decision(expect={"get": ALL_200}),
    "accounts:login": Decision(
        expect={"get": E(200, 302, 302, 302), "post": E(302, 302, 302, 302)},
        data={"post": lambda w: {"username": "alice", "password": PASSWORD}},
    ),
    "accounts:logout": Decision(expect={"get": E(405, 405, 405, 405), "post": E(302, 302, 302, 302)}),
    "accounts:register": Decision(
        expect={"get": E(200, 302, 302, 302), "post": E(302, 302, 302, 302)},
        data={"post": lambda w: {"username": "newbie", "email": "newbie@mail.example",
                                 "password": PASSWORD, "password_confirm": PASSWORD}},
    ),
    "accounts:password_change": Decision(
        expect={"get": LOGGED_IN_200, "post": LOGGED_IN_302},
        data={"post": lambda w: {"old_password": PASSWORD, "new_password1": "An0ther-horse-staple",
                                 "new_password2": "An0ther-horse-staple"}},
    ),
    "accounts:password_change_done": Decision(expect={"get": LOGGED_IN_200}),
    "accounts:password_reset": Decision(
        expect={"get": ALL_200, "post": E(302, 302, 302, 302)}, data={"post": lambda w: {"email": "x@mail.example"}}
    ),
    "accounts:password_reset_done": Decision(expect={"get": ALL_200}),
    "accounts:password_reset_confirm": Decision(
        kwargs=lambda w: {"uidb64": "MQ", "token": "bad-token"}, expect={"get": ALL_200}
    ),
    "accounts:password_reset_complete": Decision(expect={"get": ALL_200}),
    # Everyone changes only their own picture (no id in the address).
    "accounts:avatar": Decision(
        expect={"get": E(405, 405, 405, 405), "post": LOGGED_IN_302},
        data={"post": lambda w: {"avatar": picture_upload()}},
    ),
    "accounts:profile_edit": Decision(
        expect={"get": LOGGED_IN_200, "post": LOGGED_IN_302},
        data={"post": lambda w: {
            "display_name": "Renamed", "email": "renamed@mail.example", "gender": "female",
            "who_can_message": "everyone",
        }},
    ),
    # Everyone deletes only their own account (no id in the address): "other" deletes carol, "staff" root.
    "accounts:account_delete": Decision(
        expect={"get": LOGGED_IN_200, "post": LOGGED_IN_302}, data={"post": lambda w: {"password": PASSWORD}}
    ),
    "accounts:blocked": Decision(expect={"get": LOGGED_IN_200}),
    "accounts:profile": Decision(kwargs=user_kw("alice"), expect={"get": ALL_200}),
    "accounts:followers": Decision(kwargs=user_kw("alice"), expect={"get": ALL_200}),
    "accounts:following": Decision(kwargs=user_kw("alice"), expect={"get": ALL_200}),
    "accounts:follow": Decision(kwargs=user_kw("bob"), expect={"get": E(405, 405, 405, 405), "post": LOGGED_IN_302}),
    "accounts:block": Decision(kwargs=user_kw("bob"), expect={"get": E(405, 405, 405, 405), "post": LOGGED_IN_302}),
    # Posts (HTML)
    "posts:create": Decision(expect={"get": LOGGED_IN_200, "post": LOGGED_IN_302}, data={"post": post_body}),
    "posts:detail": Decision(kwargs=post_kw, expect={"get": ALL_200}),
    "posts:edit": Decision(
        kwargs=post_kw, expect={"get": E(LOGIN, 403, 200, 403), "post": E(LOGIN, 403, 302, 403)},
        data={"post": post_body},
    ),
    "posts:delete": Decision(kwargs=post_kw, expect={"get": E(LOGIN, 403, 200, 403), "post": E(LOGIN, 403, 302, 403)}),
    "posts:like": Decision(kwargs=post_kw, expect={"get": E(405, 405, 405, 405), "post": LOGGED_IN_302}),
    "posts:likes": Decision(kwargs=post_kw, expect={"get": ALL_200}),
    # Communities (HTML)
    "communities:list": Decision(expect={"get": ALL_200}),
    "communities:create": Decision(
        expect={"get": LOGGED_IN_200, "post": LOGGED_IN_302},
        data={"post": lambda w: {"name": "Chess", "slug": "chess", "description": "", "topic": w.topic.pk}},
    ),
    "communities:slug_suggest": Decision(query="name=Chess", expect={"get": ALL_200}),
    "communities:detail": Decision(kwargs=club_kw, expect={"get": ALL_200}),
    "communities:edit": Decision(
        kwargs=club_kw, expect={"get": E(LOGIN, 403, 200, 403), "post": E(LOGIN, 403, 302, 403)},
        data={"post": lambda w: {"name": "Renamed", "description": "new", "topic": w.topic.pk}},
    ),
    "communities:delete": Decision(
        kwargs=club_kw, expect={"get": E(LOGIN, 403, 200, 200), "post": E(LOGIN, 403, 302, 302)},
        data={"post": lambda w: {"name": w.community.name}},
    ),
    "communities:members": Decision(kwargs=club_kw, expect={"get": ALL_200}),
    "communities:join": Decision(kwargs=club_kw, expect={"get": E(405, 405, 405, 405), "post": LOGGED_IN_302}),
    "communities:leave": Decision(kwargs=club_kw, expect={"post": LOGGED_IN_302}),
    "communities:post_create": Decision(
        kwargs=club_kw, expect={"post": E(LOGIN, 403, 302, 403)}, data={"post": post_body}
    ),
    "communities:post_remove": Decision(
        kwargs=lambda w: {"slug": w.community.slug, "post_id": w.community_post.pk},
        expect={"post": E(LOGIN, 403, 302, 302)},
    ),
    "communities:user_action": Decision(
        kwargs=lambda w: {"slug": w.community.slug, "action": "ban"},
        expect={"post": E(LOGIN, 403, 302, 302)}, data={"post": lambda w: {"username": "bob"}},
    ),
    # Messaging (HTML): conversations of others do not exist for the viewer
    "messaging:inbox": Decision(expect={"get": LOGGED_IN_200}),
    "messaging:group_create": Decision(
        expect={"get": LOGGED_IN_200, "post": LOGGED_IN_302},
        data={"post": lambda w: {"title": "trio", "usernames": "bob, mod"}},
    ),
    "messaging:start": Decision(kwargs=user_kw("bob"), expect={"get": LOGGED_IN_200, "post": LOGGED_IN_302}),
    "messaging:detail": Decision(kwargs=chat_kw, expect={"get": PRIVATE_HTML}),
    "messaging:send": Decision(
        kwargs=chat_kw, expect={"post": E(LOGIN, 404, 302, 404)}, data={"post": lambda w: {"text": "hello"}}
    ),
    "messaging:messages_after": Decision(kwargs=chat_kw, expect={"get": PRIVATE_HTML}),
    # The world's conversation is 1:1: the owner is refused with a message (302), others get 404.
    "messaging:leave": Decision(kwargs=chat_kw, expect={"post": E(LOGIN, 404, 302, 404)}),
    # Alice's own message: she edits and deletes it; to everyone outside the conversation it does not exist (bob, in
    # the conversation but not the sender, gets 403: messaging/tests and test_permissions).
    "messaging:message": Decision(kwargs=alice_message_kw, expect={"get": E(LOGIN, 404, 302, 404)}),
    "messaging:message_edit": Decision(
        kwargs=alice_message_kw, expect={"get": PRIVATE_HTML, "post": E(LOGIN, 404, 302, 404)},
        data={"post": lambda w: {"text": "edited"}},
    ),
    "messaging:message_delete": Decision(kwargs=alice_message_kw, expect={"post": E(LOGIN, 404, 302, 404)}),
    # Comments and reposts (HTML)
    "comments:post_comments": Decision(kwargs=lambda w: {"post_id": w.post.pk}, expect={"get": E(302, 302, 302, 302)}),
    "comments:create": Decision(
        kwargs=lambda w: {"post_id": w.post.pk}, expect={"post": LOGGED_IN_302}, data={"post": lambda w: {"text": "hi"}}
    ),
    "comments:repost": Decision(
        kwargs=bob_post_kw, expect={"get": LOGGED_IN_200, "post": E(LOGIN, 302, 409, 302)},
        data={"post": lambda w: {"note": "look"}},
    ),
    "comments:unrepost": Decision(kwargs=bob_post_kw, expect={"post": E(LOGIN, 404, 302, 404)}),
    "comments:detail": Decision(kwargs=comment_kw, expect={"get": E(302, 302, 302, 302)}),
    "comments:edit": Decision(
        kwargs=comment_kw, expect={"get": E(LOGIN, 403, 200, 403), "post": E(LOGIN, 403, 302, 403)},
        data={"post": lambda w: {"text": "edited"}},
    ),
    "comments:delete": Decision(kwargs=comment_kw, expect={"post": E(LOGIN, 403, 302, 403)}),
    "comments:remove": Decision(
        kwargs=lambda w: {"pk": w.reply.pk}, expect={"post": E(LOGIN, 403, 403, 302)}
    ),
    "comments:like": Decision(kwargs=comment_kw, expect={"post": LOGGED_IN_302}),
    "comments:unlike": Decision(kwargs=comment_kw, expect={"post": LOGGED_IN_302}),
    # Notifications (HTML): a notification of someone else does not exist for the viewer
    "notifications:list": Decision(expect={"get": LOGGED_IN_200}),
    "notifications:open": Decision(kwargs=lambda w: {"pk": w.notification.pk}, expect={"get": E(LOGIN, 404, 302, 404)}),
    "notifications:mark_all_read": Decision(expect={"post": LOGGED_IN_302}),
    "search:results": Decision(query="q=s3cr3t", expect={"get": ALL_200}),
    # Moderation (HTML): anyone signed in reports what they see, except their own (alice's post); the queue and its
    # reports are for staff and the community's owner and moderators (others: 403 for the queue, 404 for a report)
    "moderation:report": Decision(
        kwargs=lambda w: {"target_type": "post", "target_id": w.post.pk},
        expect={"get": E(LOGIN, 200, 403, 200), "post": E(LOGIN, 302, 403, 302)},
        data={"post": lambda w: {"reason": "spam", "note": "look"}},
    ),
    "moderation:queue": Decision(expect={"get": E(LOGIN, 403, 200, 200)}),
    "moderation:resolve": Decision(
        kwargs=lambda w: {"pk": w.report.pk}, expect={"post": E(LOGIN, 404, 302, 302)},
        data={"post": lambda w: {"action": "dismiss"}},
    ),
    # Analytics (HTML): staff only
    "analytics:dashboard": Decision(expect={"get": STAFF_ONLY_HTML}),
    "analytics:table_csv": Decision(kwargs=lambda w: {"name": "dau"}, expect={"get": STAFF_ONLY_HTML}),
    "analytics:experiment_results": Decision(
        kwargs=lambda w: {"pk": w.experiment.pk}, expect={"get": STAFF_ONLY_HTML}
    ),
    "analytics:experiment_results_csv": Decision(
        kwargs=lambda w: {"pk": w.experiment.pk}, expect={"get": STAFF_ONLY_HTML}
    ),
    # API: accounts
    "api-register": Decision(
        api=True, expect={"post": E(201, 201, 201, 201)},
        data={"post": lambda w: {"username": "apinewbie", "email": "apinewbie@mail.example", "password": PASSWORD}},
    ),
    "api-token": Decision(
        api=True, expect={"post": E(200, 200, 200, 200), "delete": E(401, 204, 204, 204)},
        data={"post": lambda w: {"username": "alice", "password": PASSWORD}},
    ),
    # Asking for a reset answers alike for everyone (and any address); a bad link is 400 for everyone.
    "api-password-reset": Decision(
        api=True, expect={"post": E(204, 204, 204, 204)}, data={"post": lambda w: {"email": "x@mail.example"}}
    ),
    "api-password-reset-confirm": Decision(
        api=True, expect={"post": E(400, 400, 400, 400)},
        data={"post": lambda w: {"uid": "MQ", "token": "bad-token", "new_password": "a-new-password-77"}},
    ),
    "api-me-password": Decision(
        api=True, expect={"post": E(401, 200, 200, 200)},
        data={"post": lambda w: {"old_password": PASSWORD, "new_password": "a-new-password-77"}},
    ),
    "api-me": Decision(
        api=True, expect={"get": API_AUTH_200, "patch": API_AUTH_200, "delete": E(401, 204, 204, 204)},
        data={"patch": lambda w: {"display_name": "Renamed"}, "delete": lambda w: {"password": PASSWORD}},
    ),
    "api-me-avatar": Decision(
        api=True, multipart=True, expect={"put": API_AUTH_200, "delete": E(401, 204, 204, 204)},
        data={"put": lambda w: {"avatar": picture_upload()}},
    ),
    "api-me-blocked": Decision(api=True, expect={"get": API_AUTH_200}),
    "api-me-suggestions": Decision(api=True, expect={"get": API_AUTH_200}),
    "api-user-list": Decision(api=True, query="q=a", expect={"get": API_ALL_200}),
    "api-user-detail": Decision(api=True, kwargs=user_kw("alice"), expect={"get": API_ALL_200}),
    "api-user-follow": Decision(
        api=True, kwargs=user_kw("bob"), expect={"post": E(401, 201, 201, 201), "delete": API_AUTH_200}
    ),
    "api-user-followers": Decision(api=True, kwargs=user_kw("alice"), expect={"get": API_ALL_200}),
    "api-user-following": Decision(api=True, kwargs=user_kw("alice"), expect={"get": API_ALL_200}),
    "api-user-block": Decision(
        api=True, kwargs=user_kw("bob"), expect={"post": E(401, 201, 201, 201), "delete": API_AUTH_200}
    ),
    # API: posts
    "api-post-like": Decision(
        api=True, kwargs=post_kw, expect={"post": API_AUTH_200, "delete": API_AUTH_200}
    ),
    "api-post-likes": Decision(api=True, kwargs=post_kw, expect={"get": API_ALL_200}),
    "api-topic-list": Decision(api=True, expect={"get": API_ALL_200}),
    "api-post-list": Decision(
        api=True, expect={"get": API_ALL_200, "post": E(401, 201, 201, 201)}, data={"post": api_post_body}
    ),
    "api-post-detail": Decision(
        api=True, kwargs=post_kw,
        expect={"get": API_ALL_200, "patch": E(401, 403, 200, 403), "delete": E(401, 403, 204, 403)},
        data={"patch": lambda w: {"text": "edited"}},
    ),
    # API: communities
    "api-community-list": Decision(
        api=True, expect={"get": API_ALL_200, "post": E(401, 201, 201, 201)},
        data={"post": lambda w: {"name": "Chess", "slug": "chess", "topic": w.topic.name}},
    ),
    "api-community-detail": Decision(
        api=True, kwargs=club_kw,
        expect={"get": API_ALL_200, "patch": E(401, 403, 200, 403), "delete": E(401, 403, 204, 204)},
        data={"patch": lambda w: {"description": "changed"}},
    ),
    "api-community-join": Decision(api=True, kwargs=club_kw, expect={"post": E(401, 201, 409, 201)}),
    "api-community-leave": Decision(api=True, kwargs=club_kw, expect={"post": E(401, 409, 409, 409)}),
    "api-community-members": Decision(api=True, kwargs=club_kw, expect={"get": API_ALL_200}),
    "api-community-posts": Decision(
        api=True, kwargs=club_kw, expect={"get": API_ALL_200, "post": E(401, 403, 201, 403)},
        data={"post": api_post_body},
    ),
    "api-community-moderators": Decision(
        api=True, kwargs=club_kw, expect={"post": E(401, 403, 200, 403)}, data={"post": lambda w: {"username": "bob"}}
    ),
    "api-community-moderator": Decision(
        api=True, kwargs=lambda w: {"slug": w.community.slug, "username": "mod"},
        expect={"delete": E(401, 403, 204, 403)},
    ),
    "api-community-bans": Decision(
        api=True, kwargs=club_kw, expect={"get": E(401, 403, 200, 200), "post": E(401, 403, 201, 201)},
        data={"post": lambda w: {"username": "bob"}},
    ),
    "api-community-ban": Decision(
        api=True, kwargs=lambda w: {"slug": w.community.slug, "username": "eve"},
        expect={"delete": E(401, 403, 204, 204)},
    ),
    "api-community-transfer": Decision(
        api=True, kwargs=club_kw, expect={"post": E(401, 403, 200, 403)}, data={"post": lambda w: {"username": "mod"}}
    ),
    "api-community-post-remove": Decision(
        api=True, kwargs=lambda w: {"slug": w.community.slug, "post_id": w.community_post.pk},
        expect={"post": E(401, 403, 204, 204)},
    ),
    # API: messaging (private: 404 for everyone but the participants)
    "conversation-list": Decision(api=True, expect={"get": API_AUTH_200}),
    "conversation-detail": Decision(api=True, kwargs=chat_kw, expect={"get": E(401, 404, 200, 404)}),
    "conversation-read": Decision(api=True, kwargs=chat_kw, expect={"post": E(401, 404, 200, 404)}),
    # The world's conversation is 1:1: the owner is refused with a message (409, as every Conflict), others get 404.
    "conversation-leave": Decision(api=True, kwargs=chat_kw, expect={"post": E(401, 404, 409, 404)}),
    "conversation-messages": Decision(
        api=True, kwargs=chat_kw, expect={"get": E(401, 404, 200, 404), "post": E(401, 404, 201, 404)},
        data={"post": lambda w: {"text": "hello"}},
    ),
    "message-detail": Decision(
        api=True, kwargs=alice_message_kw,
        expect={"get": E(401, 404, 200, 404), "patch": E(401, 404, 200, 404), "delete": E(401, 404, 204, 404)},
        data={"patch": lambda w: {"text": "edited"}},
    ),
    # API: comments and reposts
    "api-post-comments": Decision(
        api=True, kwargs=lambda w: {"post_id": w.post.pk}, expect={"get": API_ALL_200, "post": E(401, 201, 201, 201)},
        data={"post": lambda w: {"text": "hi"}},
    ),
    "api-comment-detail": Decision(
        api=True, kwargs=comment_kw,
        expect={"get": API_ALL_200, "patch": E(401, 403, 200, 403), "delete": E(401, 403, 204, 403)},
        data={"patch": lambda w: {"text": "edited"}},
    ),
    "api-comment-replies": Decision(api=True, kwargs=comment_kw, expect={"get": API_ALL_200}),
    "api-comment-like": Decision(
        api=True, kwargs=comment_kw, expect={"post": API_AUTH_200, "delete": API_AUTH_200}
    ),
    "api-comment-remove": Decision(
        api=True, kwargs=lambda w: {"pk": w.reply.pk}, expect={"post": E(401, 403, 403, 204)}
    ),
    "api-post-repost": Decision(
        api=True, kwargs=bob_post_kw, expect={"post": E(401, 201, 409, 201), "delete": E(401, 404, 204, 404)},
        data={"post": lambda w: {"note": "look"}},
    ),
    "api-user-reposts": Decision(api=True, kwargs=user_kw("alice"), expect={"get": API_ALL_200}),
    # API: notifications (private: 404 for anyone but the recipient)
    "notification-list": Decision(api=True, expect={"get": API_AUTH_200}),
    "notification-unread-count": Decision(api=True, expect={"get": API_AUTH_200}),
    "notification-mark-all-read": Decision(api=True, expect={"post": API_AUTH_200}),
    "notification-read": Decision(
        api=True, kwargs=lambda w: {"pk": w.notification.pk}, expect={"post": E(401, 404, 200, 404)}
    ),
    "api-search": Decision(api=True, query="q=s3cr3t&type=posts", expect={"get": API_ALL_200}),
    # API: moderation (as its pages)
    "api-report-list": Decision(
        api=True, expect={"get": E(401, 403, 200, 200), "post": E(401, 201, 403, 201)},
        data={"post": lambda w: {"target_type": "post", "target_id": w.post.pk, "reason": "spam"}},
    ),
    "api-report-resolve": Decision(
        api=True, kwargs=lambda w: {"pk": w.report.pk}, expect={"post": E(401, 404, 200, 200)},
        data={"post": lambda w: {"action": "dismiss"}},
    ),
    "api-feed": Decision(api=True, expect={"get": API_ALL_200}),
    # API: staff only
    "analytics-metric": Decision(api=True, kwargs=lambda w: {"metric": "activity"}, expect={"get": STAFF_ONLY_API}),
    "analytics-experiment-results": Decision(
        api=True, kwargs=lambda w: {"pk": w.experiment.pk}, expect={"get": STAFF_ONLY_API}
    ),
    "recommender-version-list": Decision(api=True, expect={"get": STAFF_ONLY_API}),
    "recommender-version-detail": Decision(
        api=True, kwargs=lambda w: {"pk": w.model_version.pk}, expect={"get": STAFF_ONLY_API}
    ),
    "recommender-version-activate": Decision(
        api=True, kwargs=lambda w: {"pk": w.model_version.pk}, expect={"post": E(401, 403, 403, 400)}
    ),
    "recommender-version-rollback": Decision(api=True, expect={"post": E(401, 403, 403, 409)}),
    "recommender-version-train": Decision(api=True, expect={"post": E(401, 403, 403, 202)}),
    "recommender-version-serving-status": Decision(api=True, expect={"get": STAFF_ONLY_API}),
}


def _walk(patterns, namespace=None, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _walk(pattern.url_patterns, inner, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            name = pattern.name and (f"{namespace}:{pattern.name}" if namespace else pattern.name)
            yield name, namespace, prefix + str(pattern.pattern)


def site_url_names() -> list[str]:
    """Every URL name of the site and the API, Django admin's own patterns left out (checked separately)."""
    names = []
    for name, namespace, route in _walk(get_resolver().url_patterns):
        if namespace == "admin" or name in PUBLIC_BY_DECISION:
            continue
        names.append(name or f"<unnamed {route}>")
    return names


def cases():
    """(url name, method, role) for every decision of the table."""
    return [
        (name, method, role) for name, decision in MATRIX.items() for method in decision.expect for role in ROLES
    ]
