"""XSS: user text carrying script payloads is shown escaped on every page that shows it, and never runs."""

import re

import pytest
from django.urls import reverse

from analytics.models import Activity
from tests.factories import FollowFactory
from tests.security_matrix import MATRIX, PRIVATE_MESSAGE_MARK, XSS_PAYLOAD, build_world, cases
from tests.test_permissions import client_for, url_for

pytestmark = pytest.mark.django_db

ESCAPED_SCRIPT = "&lt;script&gt;alert(1)&lt;/script&gt;"
LIVE_MARKUP = [
    re.compile(r"<script>alert", re.I),
    re.compile(r"<(img|svg)\b[^>]*\bon(error|load)\s*=", re.I),
    re.compile(r"""href\s*=\s*["']?\s*javascript:""", re.I),
]


def assert_no_live_payload(body: str, where: str):
    for pattern in LIVE_MARKUP:
        match = pattern.search(body)
        assert match is None, f"{where}: unescaped payload {body[max(match.start() - 80, 0):match.end() + 40]!r}"


def html_read_cases():
    return [(name, role) for name, method, role in cases() if method == "get" and not MATRIX[name].api
            and role in ("owner", "staff")]


@pytest.mark.parametrize(("name", "role"), html_read_cases())
def test_every_html_page_of_the_matrix_escapes_the_payload(name, role):
    """The world's texts (posts, comments, names, bios, cities, community, conversation, message) all hold it."""
    world = build_world()
    response = client_for(role, world, api=False).get(url_for(name, MATRIX[name], world))
    assert_no_live_payload(response.content.decode(errors="replace"), name)


def pages_showing_the_payload(world):
    """(who looks, URL, a label the page shows with the payload) for every page that shows user text."""
    alice, carol, staff = world.alice, world.carol, world.staff
    return [
        (alice, reverse("posts:detail", args=[world.post.pk]), "post"),  # post text, comment, reply
        (alice, reverse("posts:detail", args=[world.post.pk]), "reply"),
        (alice, reverse("feed:home") + "?mode=latest", "bobpost"),
        (alice, reverse("accounts:profile", args=["alice"]), "bio"),
        (alice, reverse("accounts:profile", args=["alice"]), "city"),
        (alice, reverse("accounts:profile", args=["alice"]), "note"),  # the repost note
        (alice, reverse("accounts:followers", args=["bob"]), None),
        (alice, reverse("communities:detail", args=["club"]), "clubdesc"),
        (alice, reverse("communities:detail", args=["club"]), "club"),
        (alice, reverse("communities:members", args=["club"]), "bob"),
        (alice, reverse("communities:delete", args=["club"]), "club"),
        (alice, reverse("communities:list"), "club"),
        (alice, reverse("messaging:detail", args=[world.conversation.pk]), PRIVATE_MESSAGE_MARK),
        (alice, reverse("messaging:inbox"), None),
        (alice, reverse("search:results") + "?q=bobpost", "bobpost"),
        (alice, reverse("search:results") + "?q=club", "club"),
        (alice, reverse("notifications:list"), None),
        (alice, reverse("moderation:queue"), "rep"),  # the report's note and the reported post
        (alice, reverse("moderation:queue"), "cpost"),
        (carol, reverse("moderation:report", args=["post", world.post.pk]), "post"),
        (carol, reverse("moderation:report", args=["user", world.alice.pk]), "alic"),
        (staff, reverse("analytics:dashboard"), None),
        (staff, reverse("analytics:experiment_results", args=[world.experiment.pk]), None),
        (staff, reverse("admin:posts_post_changelist"), None),
        (staff, reverse("admin:posts_post_change", args=[world.post.pk]), "post"),
        (staff, reverse("admin:comments_comment_changelist"), None),
        (staff, reverse("admin:comments_comment_change", args=[world.comment.pk]), "comment"),
        (staff, reverse("admin:accounts_user_changelist"), None),
        (staff, reverse("admin:accounts_user_change", args=[world.alice.pk]), "bio"),
        (staff, reverse("admin:communities_community_changelist"), None),
        (staff, reverse("admin:communities_community_change", args=[world.community.pk]), "clubdesc"),
        (staff, reverse("admin:messaging_conversation_changelist"), None),
        (staff, reverse("admin:messaging_message_changelist"), None),
        (staff, reverse("admin:posts_repost_changelist"), None),
        (staff, reverse("admin:analytics_experiment_changelist"), None),
        (staff, reverse("admin:analytics_activity_changelist"), None),
        (staff, reverse("admin:moderation_report_changelist"), None),
        (staff, reverse("admin:moderation_report_change", args=[world.report.pk]), "rep"),
    ]


def test_pages_show_user_text_escaped_and_never_live():
    world = build_world()
    FollowFactory(follower=world.alice, followee=world.bob)  # bob's post in alice's latest feed
    # Activity rows whose context carries user text, as the analytics tables and the admin show them.
    Activity.objects.create(actor=world.alice, verb="search", context={"q": XSS_PAYLOAD})
    for viewer, url, label in pages_showing_the_payload(world):
        client = client_for("owner", world, api=False)
        client.force_login(viewer)
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert_no_live_payload(body, url)
        if label is not None:
            assert f"{label} {ESCAPED_SCRIPT}" in body, f"{url} does not show {label}'s text escaped"


def test_texts_written_through_the_forms_are_escaped_where_shown(client):
    """The same payload typed into the forms (not only stored by factories) comes back escaped."""
    world = build_world()
    client.force_login(world.carol)
    assert client.post(reverse("accounts:profile_edit"), {
        "display_name": XSS_PAYLOAD, "bio": XSS_PAYLOAD, "city": XSS_PAYLOAD, "email": "carol@mail.example",
        "gender": "female", "who_can_message": "everyone",
    }).status_code == 302
    assert client.post(reverse("comments:create", args=[world.post.pk]), {"text": XSS_PAYLOAD}).status_code == 302
    assert client.post(reverse("messaging:group_create"),
                       {"title": XSS_PAYLOAD, "usernames": "alice"}).status_code == 302
    for url in (reverse("accounts:profile", args=["carol"]), reverse("posts:detail", args=[world.post.pk]),
                reverse("messaging:inbox")):
        body = client.get(url).content.decode()
        assert_no_live_payload(body, url)
        assert ESCAPED_SCRIPT in body, url


@pytest.mark.browser
def test_a_page_full_of_payloads_opens_no_dialog(logged_in_page, live_server):
    world = build_world()
    page = logged_in_page(world.alice)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    pages = ("posts:detail", world.post.pk), ("messaging:detail", world.conversation.pk), ("communities:detail", "club")
    for url in (reverse(name, args=[arg]) for name, arg in pages):
        page.goto(live_server.url + url)
        page.wait_for_load_state("load")
        assert page.get_by_text("alert(1)").first.is_visible()
    assert dialogs == []
