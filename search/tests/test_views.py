import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import BlockFactory, CommunityFactory, PostFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_empty_search_page(client):
    response = client.get("/search/")
    assert response.status_code == 200 and b"Type words in the search box" in response.content


def test_grouped_results_respect_blocks_and_removals(auth_client, user):
    blocked = UserFactory(username="tomato_blocked")
    BlockFactory(blocker=blocked, blocked=user)
    PostFactory(text="Tomato soup recipe")
    PostFactory(author=blocked, text="Tomato secrets")
    PostFactory(text="Tomato removed", removed_at=timezone.now())
    CommunityFactory(name="Tomato growers")
    UserFactory(username="tomatofan", profile__display_name="Tomato Fan")
    response = auth_client.get("/search/", {"q": "tomatoes"})
    content = response.content.decode()
    assert response.status_code == 200
    assert "Tomato soup recipe" in content and "Tomato growers" in content and "@tomatofan" in content
    assert "Tomato secrets" not in content and "Tomato removed" not in content and "tomato_blocked" not in content


def test_one_kind_is_paginated(client):
    for n in range(25):
        PostFactory(text=f"pumpkin number {n}")
    first = client.get("/search/", {"q": "pumpkin", "type": "posts"}).content.decode()
    assert first.count('class="card post"') == 20 and "page=2&amp;q=pumpkin&amp;type=posts" in first
    second = client.get("/search/", {"q": "pumpkin", "type": "posts", "page": 2}).content.decode()
    assert second.count('class="card post"') == 5


def test_query_count_does_not_grow_with_results(client):
    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/search/", {"q": "pumpkin"}).status_code == 200
        return len(ctx)

    PostFactory(text="pumpkin pie")
    CommunityFactory(name="pumpkin club")
    few = queries()
    for n in range(4):
        PostFactory(text=f"pumpkin {n}")
        CommunityFactory(name=f"pumpkin fans {n}")
        UserFactory(username=f"pumpkin{n}")
    assert queries() == few


def test_one_letter_finds_people_by_the_start_of_their_name(auth_client, user):
    UserFactory(username="alma", profile__display_name="Alma")
    UserFactory(username="zoe", profile__display_name="Anne Zoe")
    blocked = UserFactory(username="amos")
    BlockFactory(blocker=user, blocked=blocked)
    UserFactory(username="bruno", profile__display_name="Bruno")
    content = auth_client.get("/search/", {"q": "a", "type": "users"}).content.decode()
    assert "@alma" in content and "@zoe" in content
    assert "@amos" not in content and "@bruno" not in content
