import pytest
from rest_framework.test import APIClient

from analytics.models import Activity
from communities.models import Community, Membership
from notifications.models import Notification
from tests.factories import CommunityFactory, MembershipFactory, PostFactory, TopicFactory

from .conftest import ACTORS

pytestmark = pytest.mark.django_db
Role = Membership.Role


def client_for(user):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def expect(statuses):
    """Pair every actor of the matrix with its expected status (statuses in ACTORS order)."""
    return list(zip(ACTORS, statuses, strict=True))


MATRIX = [
    ("get", "/api/v1/communities/", None, [200] * 7),
    ("get", "/api/v1/communities/chess/", None, [200] * 7),
    ("get", "/api/v1/communities/chess/members/", None, [200] * 7),
    ("patch", "/api/v1/communities/chess/", {"name": "Renamed"}, [401, 403, 403, 403, 403, 200, 403]),
    ("post", "/api/v1/communities/chess/join/", None, [401, 201, 409, 403, 409, 409, 201]),
    ("post", "/api/v1/communities/chess/leave/", None, [401, 409, 204, 409, 204, 409, 409]),
    ("post", "/api/v1/communities/chess/moderators/", {"username": "{target}"}, [401, 403, 403, 403, 403, 200, 403]),
    ("post", "/api/v1/communities/chess/bans/", {"username": "{target}"}, [401, 403, 403, 403, 201, 201, 201]),
    ("get", "/api/v1/communities/chess/bans/", None, [401, 403, 403, 403, 200, 200, 200]),
    ("post", "/api/v1/communities/chess/transfer/", {"username": "{target}"}, [401, 403, 403, 403, 403, 200, 403]),
    ("get", "/api/v1/communities/chess/posts/", None, [200] * 7),
    ("post", "/api/v1/communities/chess/posts/", {"text": "Hi", "topic": "tech"}, [401, 403, 201, 403, 201, 201, 403]),
    ("post", "/api/v1/communities/chess/posts/{post}/remove/", None, [401, 403, 403, 403, 204, 204, 204]),
]
CASES = [
    pytest.param(method, url, body, actor, code, id=f"{method}-{url.split('chess')[-1] or 'list'}-{actor}")
    for method, url, body, statuses in MATRIX
    for actor, code in expect(statuses)
]


@pytest.mark.parametrize(("method", "url", "body", "actor", "code"), CASES)
def test_permission_matrix(community_world, world_state, method, url, body, actor, code):
    users = community_world["users"]
    url = url.format(post=community_world["post"].pk)
    if body:
        body = {k: v.format(target=users["target"].username) for k, v in body.items()}
    before = world_state()
    response = getattr(client_for(users[actor]), method)(url, body, format="json")
    assert response.status_code == code, response.content
    if code >= 400:
        assert world_state() == before
        assert response.json()["detail"]
    elif method != "get":
        assert world_state()[3] == before[3] + 1  # one activity recorded


def test_moderator_cannot_ban_another_moderator_or_the_owner(community_world, world_state):
    users = community_world["users"]
    other_moderator = MembershipFactory(community=community_world["community"], role=Role.MODERATOR).user
    client = client_for(users["moderator"])
    before = world_state()
    response = client.post("/api/v1/communities/chess/bans/", {"username": other_moderator.username})
    assert response.status_code == 403 and "owner" in response.json()["detail"]
    response = client.post("/api/v1/communities/chess/bans/", {"username": users["owner"].username})
    assert response.status_code == 409 and "owner" in response.json()["detail"]
    assert world_state() == before


def test_create_community_and_duplicate_slug(user):
    TopicFactory(name="sport")
    client = client_for(user)
    response = client.post("/api/v1/communities/", {"name": "Runners", "description": "We run", "topic": "sport"})
    assert response.status_code == 201
    assert response.json() | {"id": 0, "created_at": "", "my_membership": None} == {
        "id": 0,
        "created_at": "",
        "name": "Runners",
        "slug": "runners",
        "description": "We run",
        "topic": "sport",
        "member_count": 1,
        "my_membership": None,
        "can_moderate": True,
    }
    assert response.json()["my_membership"]["role"] == "owner"
    assert Membership.objects.get(community__slug="runners").user == user
    assert Activity.objects.filter(verb="community_create", actor=user).count() == 1

    response = client.post("/api/v1/communities/", {"name": "Other", "slug": "runners"})
    assert response.status_code == 400
    assert "already exists" in response.json()["slug"][0]
    response = client.post("/api/v1/communities/", {"name": ""})
    assert response.status_code == 400 and "name" in response.json()
    response = client.post("/api/v1/communities/", {"name": "X", "topic": "no-such-topic"})
    assert response.status_code == 400 and "topic" in response.json()
    assert Community.objects.count() == 1


def test_list_filters_by_query_and_topic(api_client):
    CommunityFactory(name="Chess lovers", topic=TopicFactory(name="sport"))
    CommunityFactory(name="Film club", description="movies and chess", topic=TopicFactory(name="movie"))
    CommunityFactory(name="Cooking", topic=TopicFactory(name="business"))
    names = lambda params: sorted(c["name"] for c in api_client.get("/api/v1/communities/", params).json()["results"])  # noqa: E731
    assert names({"q": "chess"}) == ["Chess lovers", "Film club"]
    assert names({"q": "chess", "topic": "movie"}) == ["Film club"]
    assert len(names({})) == 3


def test_list_and_search_mark_my_role_in_each_community(community_world):
    client = APIClient()
    client.force_authenticate(community_world["users"]["moderator"])
    elsewhere = CommunityFactory(name="Chess elsewhere")
    roles = {c["slug"]: c["my_role"] for c in client.get("/api/v1/communities/").json()["results"]}
    assert roles == {"chess": "moderator", elsewhere.slug: None}
    client.force_authenticate(community_world["users"]["banned"])  # banned: a member no longer
    found = client.get("/api/v1/search/", {"q": "chess", "type": "communities"}).json()["results"]
    assert {c["slug"]: c["my_role"] for c in found} == {"chess": None, elsewhere.slug: None}
    client.force_authenticate(community_world["users"]["owner"])
    assert client.get("/api/v1/communities/", {"q": "club"}).json()["results"][0]["my_role"] == "owner"


def test_list_query_count_does_not_grow(api_client):
    def count_queries():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert api_client.get("/api/v1/communities/").status_code == 200
        return len(ctx)

    for _ in range(2):
        MembershipFactory(community=CommunityFactory())
    few = count_queries()
    for _ in range(8):
        MembershipFactory(community=CommunityFactory())
    assert count_queries() == few


def test_members_list_shows_roles(community_world, api_client):
    rows = api_client.get("/api/v1/communities/chess/members/").json()["results"]
    users = community_world["users"]
    roles = {row["user"]["username"]: row["role"] for row in rows}
    assert roles == {
        users["owner"].username: "owner",
        users["moderator"].username: "moderator",
        users["member"].username: "member",
        users["target"].username: "member",
    }


def test_role_changes_notify_the_user(community_world, django_capture_on_commit_callbacks):
    users = community_world["users"]
    client = client_for(users["owner"])
    target = users["target"].username
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/api/v1/communities/chess/moderators/", {"username": target}).status_code == 200
        assert client.delete(f"/api/v1/communities/chess/moderators/{target}/").status_code == 204
        assert client.post("/api/v1/communities/chess/transfer/", {"username": target}).json()["role"] == "owner"
    assert Notification.objects.filter(recipient=users["target"], verb="role").count() == 3
    assert Membership.objects.get(user=users["owner"]).role == Role.MODERATOR


def test_unban_lets_the_user_join_again(community_world):
    users = community_world["users"]
    banned = users["banned"]
    ban_url = f"/api/v1/communities/chess/bans/{banned.username}/"
    assert client_for(users["member"]).delete(ban_url).status_code == 403
    assert client_for(users["moderator"]).delete(ban_url).status_code == 204
    assert client_for(banned).post("/api/v1/communities/chess/join/").status_code == 201
    assert Activity.objects.filter(verb="community_unban").count() == 1


def test_unknown_user_community_and_post(community_world):
    client = client_for(community_world["users"]["owner"])
    assert client.post("/api/v1/communities/chess/moderators/", {"username": "nobody"}).status_code == 400
    assert client.delete("/api/v1/communities/chess/bans/nobody/").status_code == 404
    assert client.post("/api/v1/communities/nope/join/").status_code == 404
    other_post = PostFactory(community=CommunityFactory())
    assert client.post(f"/api/v1/communities/chess/posts/{other_post.pk}/remove/").status_code == 404


def test_member_publishes_into_the_community(community_world):
    TopicFactory(name="tech")
    client = client_for(community_world["users"]["member"])
    response = client.post("/api/v1/communities/chess/posts/", {"text": "Opening theory", "topic": "tech"})
    assert response.status_code == 201
    assert (response.json()["community"], response.json()["text"]) == ("chess", "Opening theory")
    texts = [p["text"] for p in client.get("/api/v1/communities/chess/posts/").json()["results"]]
    assert texts[0] == "Opening theory" and len(texts) == 2
    response = client.post("/api/v1/communities/chess/posts/", {"text": " ", "topic": "tech"})
    assert response.status_code == 400 and "text" in response.json()


def test_removed_post_disappears_from_lists(community_world):
    users, post = community_world["users"], community_world["post"]
    client = client_for(users["moderator"])
    assert client.post(f"/api/v1/communities/chess/posts/{post.pk}/remove/").status_code == 204
    assert client.get("/api/v1/communities/chess/posts/").json()["results"] == []
    post.refresh_from_db()
    assert post.removed_by == users["moderator"]
    assert client.post(f"/api/v1/communities/chess/posts/{post.pk}/remove/").status_code == 404


def test_schema_documents_the_endpoints(api_client):
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    paths = schema["paths"]
    assert "/api/v1/communities/{slug}/bans/{username}/" in paths
    assert "delete" in paths["/api/v1/communities/{slug}/moderators/{username}/"]
    assert "post" in paths["/api/v1/communities/{slug}/transfer/"]


def test_owner_patch_changes_only_given_fields(community_world):
    community = community_world["community"]
    description, topic = community.description, community.topic.name
    client = client_for(community_world["users"]["owner"])
    response = client.patch("/api/v1/communities/chess/", {"name": "Chess Club Moscow"})
    assert response.status_code == 200
    assert (response.json()["name"], response.json()["description"], response.json()["topic"]) == (
        "Chess Club Moscow",
        description,
        topic,
    )
    assert client.patch("/api/v1/communities/chess/", {"topic": None}).json()["topic"] is None
    assert client.patch("/api/v1/communities/chess/", {"name": ""}).status_code == 400
    community.refresh_from_db()
    assert (community.name, community.topic, community.slug) == ("Chess Club Moscow", None, "chess")
    assert Activity.objects.filter(verb="community_update").count() == 2


@pytest.mark.parametrize("actor", ACTORS)
def test_delete_only_by_the_owner_or_staff(community_world, world_state, actor):
    expected = {"anonymous": 401, "owner": 204, "staff": 204}.get(actor, 403)
    before = world_state()
    response = client_for(community_world["users"][actor]).delete("/api/v1/communities/chess/")
    assert response.status_code == expected, response.content
    if expected == 204:
        assert not Community.objects.exists() and not Membership.objects.exists()
    else:
        assert response.json()["detail"] and world_state() == before


def test_deleted_community_and_its_posts_are_gone_from_the_api(community_world, django_capture_on_commit_callbacks):
    users, post = community_world["users"], community_world["post"]
    reader = client_for(users["member"])
    assert [p["id"] for p in reader.get("/api/v1/posts/").json()["results"]] == [post.pk]

    with django_capture_on_commit_callbacks(execute=True):
        assert client_for(users["owner"]).delete("/api/v1/communities/chess/").status_code == 204

    assert reader.get("/api/v1/communities/chess/").status_code == 404
    assert reader.get("/api/v1/posts/").json()["results"] == []
    assert reader.get(f"/api/v1/posts/{post.pk}/").status_code == 404
    notifications = reader.get("/api/v1/notifications/").json()["results"]
    assert [n["text"] for n in notifications] == [
        "Chess Club was deleted; its posts were removed and you are no longer a member."
    ]
    assert client_for(users["owner"]).delete("/api/v1/communities/chess/").status_code == 404


def test_schema_documents_community_delete(api_client):
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    assert "204" in schema["paths"]["/api/v1/communities/{slug}/"]["delete"]["responses"]


def test_members_list_pages_by_page_size_like_every_list(community_world, api_client):
    first = api_client.get("/api/v1/communities/chess/members/", {"page_size": 3}).json()
    assert [row["role"] for row in first["results"]][:1] == ["owner"] and len(first["results"]) == 3
    rest = api_client.get(first["next"]).json()
    assert len(rest["results"]) == 1 and rest["next"] is None


def test_detail_tells_the_viewer_their_membership_and_whether_they_moderate(community_world, api_client):
    users = community_world["users"]
    url = "/api/v1/communities/chess/"
    anonymous = api_client.get(url).json()
    assert (anonymous["my_membership"], anonymous["can_moderate"]) == (None, False)
    member = client_for(users["member"]).get(url).json()
    assert member["my_membership"]["role"] == "member" and member["can_moderate"] is False
    owner = client_for(users["owner"]).get(url).json()
    assert owner["my_membership"]["role"] == "owner" and owner["can_moderate"] is True
    banned = client_for(users["banned"]).get(url).json()
    assert banned["my_membership"]["is_banned"] is True and banned["can_moderate"] is False


def test_bans_list_shows_the_banned_to_moderators(community_world):
    users = community_world["users"]
    rows = client_for(users["moderator"]).get("/api/v1/communities/chess/bans/").json()["results"]
    assert [(row["user"]["username"], row["is_banned"]) for row in rows] == [(users["banned"].username, True)]
