import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from analytics.models import Activity
from communities.models import Community, Membership
from posts.models import Post
from tests.factories import CommunityFactory, MembershipFactory, PostFactory, TopicFactory

from .conftest import ACTORS

pytestmark = pytest.mark.django_db
Role = Membership.Role


def client_for(user):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


# (method, path, form data, statuses in ACTORS order). 302 after an action is success or a refusal message;
# the matrix test tells them apart by the state change.
MATRIX = [
    ("get", "/communities/", None, [200] * 7),
    ("get", "/communities/chess/", None, [200] * 7),
    ("get", "/communities/chess/members/", None, [200] * 7),
    ("get", "/communities/new/", None, [302, 200, 200, 200, 200, 200, 200]),
    ("get", "/communities/chess/edit/", None, [302, 403, 403, 403, 403, 200, 403]),
    ("post", "/communities/chess/edit/", {"name": "Renamed"}, [302, 403, 403, 403, 403, 302, 403]),
    ("post", "/communities/chess/join/", {}, [302, 302, 302, 403, 302, 302, 302]),
    ("post", "/communities/chess/leave/", {}, [302] * 7),
    ("post", "/communities/chess/posts/", {"text": "Hi", "topic": "{topic}"}, [302, 403, 302, 403, 302, 302, 403]),
    ("post", "/communities/chess/moderator_add/", {"username": "{target}"}, [302, 403, 403, 403, 403, 302, 403]),
    ("post", "/communities/chess/ban/", {"username": "{target}"}, [302, 403, 403, 403, 302, 302, 302]),
    ("post", "/communities/chess/transfer/", {"username": "{target}"}, [302, 403, 403, 403, 403, 302, 403]),
    ("post", "/communities/chess/posts/{post}/remove/", {}, [302, 403, 403, 403, 302, 302, 302]),
]
# Which actors actually change something with each action (the others are refused and change nothing).
CHANGES = {
    "/communities/chess/edit/": {"owner"},
    "/communities/chess/join/": {"non_member", "staff"},
    "/communities/chess/leave/": {"member", "moderator"},
    "/communities/chess/posts/": {"member", "moderator", "owner"},
    "/communities/chess/moderator_add/": {"owner"},
    "/communities/chess/ban/": {"moderator", "owner", "staff"},
    "/communities/chess/transfer/": {"owner"},
    "/communities/chess/posts/{post}/remove/": {"moderator", "owner", "staff"},
}
CASES = [
    pytest.param(method, path, data, actor, code, id=f"{method}-{path.split('chess')[-1] or path}-{actor}")
    for method, path, data, statuses in MATRIX
    for actor, code in zip(ACTORS, statuses, strict=True)
]


@pytest.mark.parametrize(("method", "path", "data", "actor", "code"), CASES)
def test_permission_matrix(community_world, world_state, method, path, data, actor, code):
    users = community_world["users"]
    url = path.format(post=community_world["post"].pk)
    if data:
        topic = TopicFactory(name="tech").pk
        data = {k: v.format(target=users["target"].username, topic=topic) for k, v in data.items()}
    client = client_for(users[actor])  # logging in may record an activity of its own
    before = world_state()
    response = getattr(client, method)(url, data or {})
    assert response.status_code == code
    if actor == "anonymous" and method == "post":
        assert response["Location"].startswith("/accounts/login/")
    if method == "post":
        changed = world_state() != before
        assert changed == (actor in CHANGES[path])
        if changed:
            assert world_state()[3] == before[3] + 1  # one activity


def test_create_community_page(auth_client, user):
    topic = TopicFactory(name="sport")
    data = {"name": "Trail runners", "description": "Hills", "topic": topic.pk}
    response = auth_client.post("/communities/new/", data)
    assert response.status_code == 302 and response["Location"] == "/communities/trail-runners/"
    community = Community.objects.get(slug="trail-runners")
    assert (community.topic, Membership.objects.get(community=community).user) == (topic, user)
    page = auth_client.get("/communities/trail-runners/")
    assert b"Trail runners" in page.content and b"Edit community" in page.content


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "Other", "slug": "chess"}, b"already exists"),
        ({"name": ""}, b"This field is required"),
        ({"name": "Reserved", "slug": "new"}, b"reserved"),
    ],
)
def test_create_refuses_bad_input(auth_client, data, message):
    CommunityFactory(slug="chess")
    response = auth_client.post("/communities/new/", data)
    assert response.status_code == 200 and message in response.content
    assert Community.objects.count() == 1 and not Activity.objects.filter(verb="community_create").exists()


def test_slug_suggestion(auth_client):
    CommunityFactory(slug="chess-club")
    response = auth_client.get("/communities/slug-suggest/", {"name": "Chess Club"}, HTTP_HX_REQUEST="true")
    assert b"/communities/chess-club-2/" in response.content


def test_join_twice_and_owner_leave_show_messages(community_world):
    users = community_world["users"]
    response = client_for(users["member"]).post("/communities/chess/join/", follow=True)
    assert b"already a member" in response.content
    response = client_for(users["owner"]).post("/communities/chess/leave/", follow=True)
    assert b"transfer ownership" in response.content
    assert Membership.objects.get(user=users["owner"]).role == Role.OWNER


def test_moderator_cannot_ban_the_owner(community_world, world_state):
    users = community_world["users"]
    client = client_for(users["moderator"])
    before = world_state()
    response = client.post("/communities/chess/ban/", {"username": users["owner"].username}, follow=True)
    assert b"owner cannot be banned" in response.content and world_state() == before


def test_banned_member_sees_the_ban_and_no_post_form(community_world):
    response = client_for(community_world["users"]["banned"]).get("/communities/chess/")
    assert b"You are banned" in response.content and b"community-post-form" not in response.content
    response = client_for(community_world["users"]["member"]).get("/communities/chess/")
    assert b"community-post-form" in response.content and b"Remove from community" not in response.content


def test_post_form_starts_on_the_community_topic(community_world):
    community = community_world["community"]
    response = client_for(community_world["users"]["member"]).get("/communities/chess/")
    assert response.context["post_form"]["topic"].value() == community.topic_id is not None
    assert f'<option value="{community.topic_id}" selected>'.encode() in response.content


def test_empty_post_shows_form_error(community_world):
    topic = TopicFactory(name="tech")
    response = client_for(community_world["users"]["member"]).post(
        "/communities/chess/posts/", {"text": "   ", "topic": topic.pk}
    )
    assert response.status_code == 400 and b"errorlist" in response.content
    assert Post.objects.count() == 1


def test_removed_post_disappears_from_the_page(community_world):
    post = community_world["post"]
    client = client_for(community_world["users"]["moderator"])
    assert f"post-{post.pk}".encode() in client.get("/communities/chess/").content
    client.post(f"/communities/chess/posts/{post.pk}/remove/")
    assert f"post-{post.pk}".encode() not in client.get("/communities/chess/").content


def count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


@pytest.mark.parametrize("url", ["/communities/chess/", "/communities/chess/members/", "/communities/"])
def test_query_counts_do_not_grow_with_posts_and_members(community_world, url):
    community = community_world["community"]
    client = client_for(community_world["users"]["owner"])
    few = count_queries(client, url)
    for _ in range(8):
        member = MembershipFactory(community=community).user
        PostFactory(community=community, author=member)
        MembershipFactory(community=CommunityFactory())
    assert count_queries(client, url) == few


def test_list_searches_and_filters_by_topic(client):
    CommunityFactory(name="Chess lovers", topic=TopicFactory(name="sport"))
    CommunityFactory(name="Film club", topic=TopicFactory(name="movie"))
    response = client.get("/communities/", {"q": "chess"})
    assert b"Chess lovers" in response.content and b"Film club" not in response.content
    response = client.get("/communities/", {"topic": "movie"})
    assert b"Film club" in response.content and b"Chess lovers" not in response.content


def marks_in_list(body: str) -> dict[str, str]:
    """Community name -> the role mark its row in the list shows ("" for none)."""
    rows = body.split('<div class="community-row">')[1:]
    marks = {}
    for row in rows:
        name = row.split("<strong>")[1].split("</strong>")[0]
        marks[name] = row.split('class="tag your-role"')[1].split(">")[1].split("<")[0] if "your-role" in row else ""
    return marks


def test_the_list_marks_the_communities_i_belong_to_with_my_role(user):
    for name, role, banned in [
        ("Owned", Role.OWNER, False),
        ("Moderated", Role.MODERATOR, False),
        ("Joined", Role.MEMBER, False),
        ("Banned from", Role.MEMBER, True),
    ]:
        # No random description: the search below must match the names alone.
        community = CommunityFactory(name=name, description="A club.")
        MembershipFactory(user=user, community=community, role=role, is_banned=banned)
    MembershipFactory(community=CommunityFactory(name="Others'", description="A club."), role=Role.OWNER)
    assert marks_in_list(client_for(user).get("/communities/").content.decode()) == {
        "Banned from": "",
        "Joined": "You are a member",
        "Moderated": "You moderate it",
        "Others&#x27;": "",
        "Owned": "You own it",
    }
    assert set(marks_in_list(client_for(None).get("/communities/").content.decode()).values()) == {""}
    # Search results show the same rows.
    body = client_for(user).get("/search/", {"q": "owned", "type": "communities"}).content.decode()
    assert marks_in_list(body) == {"Owned": "You own it"}


def test_the_list_reads_my_roles_in_the_same_query_whatever_the_number_of_communities(user):
    def add_communities():
        for role in (Role.OWNER, Role.MODERATOR, Role.MEMBER):
            MembershipFactory(user=user, community=CommunityFactory(), role=role)
            MembershipFactory(community=CommunityFactory())

    add_communities()
    client = client_for(user)
    few = count_queries(client, "/communities/")
    for _ in range(5):
        add_communities()
    assert count_queries(client, "/communities/") == few
    marks = list(marks_in_list(client.get("/communities/").content.decode()).values())
    assert len(marks) == 20 and {"You own it", "You moderate it", "You are a member", ""} == set(marks)


def test_members_page_asks_before_handing_over_ownership_or_banning(community_world):
    body = client_for(community_world["users"]["owner"]).get("/communities/chess/members/").content.decode()

    def form_tag(action):
        return body.split(f'action="/communities/chess/{action}/"')[1].split(">")[0]

    assert 'hx-confirm="Make @' in form_tag("transfer") and "You will become a moderator." in form_tag("transfer")
    assert 'hx-confirm="Ban @' in form_tag("ban")
    assert "hx-confirm" not in form_tag("moderator_add")


@pytest.mark.parametrize(
    ("actor", "page", "confirmed"),
    [
        ("anonymous", 302, 302),
        ("non_member", 403, 403),
        ("member", 403, 403),
        ("banned", 403, 403),
        ("moderator", 403, 403),
        ("owner", 200, 302),
        ("staff", 200, 302),
    ],
)
def test_delete_page_permissions(community_world, world_state, actor, page, confirmed):
    client = client_for(community_world["users"][actor])
    response = client.get("/communities/chess/delete/")
    assert response.status_code == page
    before = world_state()
    response = client.post("/communities/chess/delete/", {"name": "Chess Club"})
    assert response.status_code == confirmed
    if actor in ("owner", "staff"):
        assert response["Location"] == "/communities/" and not Community.objects.exists()
    else:
        assert world_state() == before
        if actor == "anonymous":
            assert response["Location"].startswith("/accounts/login/")


def test_delete_asks_for_the_name_and_removes_the_posts(community_world):
    post = community_world["post"]
    client = client_for(community_world["users"]["owner"])
    author_page = reverse("accounts:profile", args=[post.author.username])
    assert f"post-{post.pk}".encode() in client.get(author_page).content
    assert b'id="delete-community"' in client.get("/communities/chess/").content
    for member in ("moderator", "member"):
        assert b'id="delete-community"' not in client_for(community_world["users"][member]).get(
            "/communities/chess/"
        ).content
    page = client.get("/communities/chess/delete/").content.decode()
    assert '<strong id="community-name">Chess Club</strong>' in page and "4 memberships" in page

    for typed in ("", "chess club", "Chess"):
        response = client.post("/communities/chess/delete/", {"name": typed})
        assert response.status_code == 200 and b"errorlist" in response.content
    assert Community.objects.filter(slug="chess").exists()

    response = client.post("/communities/chess/delete/", {"name": " Chess Club "}, follow=True)
    assert response.redirect_chain == [("/communities/", 302)]
    assert "Chess Club has been deleted." in response.content.decode()
    assert client.get("/communities/chess/").status_code == 404
    assert client.get(f"/posts/{post.pk}/").status_code == 404
    assert f"post-{post.pk}".encode() not in client.get(author_page).content
