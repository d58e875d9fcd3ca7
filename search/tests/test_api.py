import pytest
from django.utils import timezone

from tests.factories import BlockFactory, CommunityFactory, PostFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_search_each_kind(auth_api_client, user):
    blocked = UserFactory(username="blocked_gardener")
    BlockFactory(blocker=user, blocked=blocked)
    PostFactory(text="My garden in spring")
    PostFactory(author=blocked, text="Garden secrets")
    PostFactory(text="Garden removed", removed_at=timezone.now())
    CommunityFactory(name="Gardeners", description="We grow gardens")
    UserFactory(username="gardenfan", profile__display_name="Garden fan")

    def found(kind):
        response = auth_api_client.get("/api/v1/search/", {"q": "garden", "type": kind})
        assert response.status_code == 200
        return response.json()

    posts = found("posts")
    assert posts["count"] == 1 and posts["results"][0]["text"] == "My garden in spring"
    assert posts["results"][0]["like_count"] == 0
    communities = found("communities")
    assert [c["name"] for c in communities["results"]] == ["Gardeners"]
    assert communities["results"][0]["member_count"] == 0
    users = found("users")
    assert [u["username"] for u in users["results"]] == ["gardenfan"]


def test_search_pages(api_client):
    for n in range(3):
        PostFactory(text=f"tomato number {n}")
    first = api_client.get("/api/v1/search/", {"q": "tomato", "type": "posts", "page_size": 2}).json()
    assert first["count"] == 3 and len(first["results"]) == 2 and first["next"]
    second = api_client.get(first["next"]).json()
    assert len(second["results"]) == 1


@pytest.mark.parametrize(
    "params", [{"q": "x"}, {"q": "x", "type": "groups"}, {"type": "posts"}, {"q": "", "type": "posts"}]
)
def test_bad_parameters_are_400_with_field_messages(api_client, params):
    response = api_client.get("/api/v1/search/", params)
    assert response.status_code == 400
    assert set(response.json()) <= {"q", "type"} and response.json()


def test_post_search_query_count_is_constant(api_client, django_assert_max_num_queries):
    for n in range(10):
        PostFactory(text=f"tomato number {n}")
    with django_assert_max_num_queries(3):
        assert len(api_client.get("/api/v1/search/", {"q": "tomato", "type": "posts"}).json()["results"]) == 10


def test_partial_names_find_people_exact_and_prefix_usernames_first(auth_api_client, user):
    UserFactory(username="bob", profile__display_name="Al Bob")
    UserFactory(username="alfie", profile__display_name="")
    UserFactory(username="al", profile__display_name="")
    UserFactory(username="al_gone", is_active=False)
    response = auth_api_client.get("/api/v1/search/", {"q": "AL", "type": "users"})
    assert response.status_code == 200
    assert [u["username"] for u in response.json()["results"]] == ["al", "alfie", "bob"]
