"""Every list that names people shows their face next to the name (templates/includes/avatar.html): the picture,
else initials on a colour of their own, at no query per person (profiles come with the people: select_related)."""

import importlib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import clear_url_caches, reverse
from rest_framework.test import APIClient

from accounts.models import Profile
from tests.factories import (
    BlockFactory,
    CommentFactory,
    CommunityFactory,
    ConversationFactory,
    FollowFactory,
    LikeFactory,
    MembershipFactory,
    MessageFactory,
    NotificationFactory,
    ParticipantFactory,
    PostFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def pictured(**profile):
    """Someone with a profile picture (a stored name: rendering its address reads no file)."""
    user = UserFactory(**{f"profile__{name}": value for name, value in profile.items()})
    Profile.objects.filter(user=user).update(avatar=f"avatars/{user.pk}/face.webp")
    return user


def picture_of(user) -> str:
    return f'<img class="avatar avatar-small" src="/media/avatars/{user.pk}/face.webp" alt="" loading="lazy">'


def _world():
    viewer = UserFactory()
    post = PostFactory()
    community = CommunityFactory(slug="club")
    group = ConversationFactory(is_group=True, title="group", created_by=viewer)
    ParticipantFactory(conversation=group, user=viewer)
    return {"viewer": viewer, "post": post, "community": community, "group": group}


def _direct_conversation(w):
    person = pictured()
    conversation = ConversationFactory(created_by=w["viewer"])
    ParticipantFactory(conversation=conversation, user=w["viewer"])
    ParticipantFactory(conversation=conversation, user=person)
    MessageFactory(conversation=conversation, sender=person)
    return person


def _group_message(w):
    person = pictured()
    ParticipantFactory(conversation=w["group"], user=person)
    MessageFactory(conversation=w["group"], sender=person)
    return person


def _like(w):
    return LikeFactory(post=w["post"], user=pictured()).user


# page: (address, adds one row naming a new person with a picture and returns them)
PAGES = {
    "post likers": (lambda w: reverse("posts:likes", args=[w["post"].pk]), _like),
    "followers": (
        lambda w: reverse("accounts:followers", args=[w["viewer"].username]),
        lambda w: FollowFactory(followee=w["viewer"], follower=pictured()).follower,
    ),
    "blocked": (
        lambda w: reverse("accounts:blocked"),
        lambda w: BlockFactory(blocker=w["viewer"], blocked=pictured()).blocked,
    ),
    "members": (
        lambda w: reverse("communities:members", args=["club"]),
        lambda w: MembershipFactory(community=w["community"], user=pictured()).user,
    ),
    "community posts": (
        lambda w: reverse("communities:detail", args=["club"]),
        lambda w: PostFactory(community=w["community"], author=pictured()).author,
    ),
    "comments": (
        lambda w: reverse("posts:detail", args=[w["post"].pk]),
        lambda w: CommentFactory(post=w["post"], author=pictured()).author,
    ),
    "notifications": (
        lambda w: reverse("notifications:list"),
        lambda w: NotificationFactory(recipient=w["viewer"], actor=pictured()).actor,
    ),
    "inbox": (lambda w: reverse("messaging:inbox"), _direct_conversation),
    "group messages": (lambda w: reverse("messaging:detail", args=[w["group"].pk]), _group_message),
    "people search": (
        lambda w: reverse("search:results") + "?q=Faced&type=users",
        lambda w: pictured(display_name="Faced Person"),
    ),
}


@pytest.mark.parametrize("page", PAGES)
def test_people_on_a_page_show_their_picture_at_no_query_per_person(client, page):
    address, add = PAGES[page]
    w = _world()
    client.force_login(w["viewer"])
    people = [add(w), add(w)]
    url = address(w)
    with CaptureQueriesContext(connection) as few:
        html = client.get(url).content.decode()
    assert all(picture_of(person) in html for person in people)

    people += [add(w) for _ in range(3)]
    with CaptureQueriesContext(connection) as more:
        html = client.get(url).content.decode()

    assert all(picture_of(person) in html for person in people)
    assert len(more.captured_queries) == len(few.captured_queries)


def test_people_without_a_picture_show_their_initials_on_their_colour(client):
    viewer = UserFactory()
    post = PostFactory(author=UserFactory(profile__display_name="Olga Petrova"))
    LikeFactory(post=post, user=viewer)
    client.force_login(viewer)

    html = client.get(reverse("posts:likes", args=[post.pk])).content.decode()

    def face(user, initials):
        return f'<span class="avatar avatar-small avatar-colour-{user.pk % 12}" aria-hidden="true">{initials}</span>'

    assert face(post.author, "OP") in html
    assert face(viewer, "".join(word[0] for word in viewer.profile.display_name.split()).upper()) in html  # "M1"
    assert "<img" not in html.split("<main", 1)[-1]  # no image request for a face


def test_the_profile_page_shows_a_large_face(client):
    person = pictured()
    html = client.get(reverse("accounts:profile", args=[person.username])).content.decode()
    assert f'<img class="avatar avatar-large" src="/media/avatars/{person.pk}/face.webp"' in html


def test_people_you_may_know_show_their_faces(client):
    viewer, friend = UserFactory(), UserFactory()
    FollowFactory(follower=viewer, followee=friend)
    suggested = pictured()
    FollowFactory(follower=friend, followee=suggested)
    client.force_login(viewer)

    html = client.get(reverse("feed:home")).content.decode()

    assert f'id="suggestion-{suggested.pk}"' in html and picture_of(suggested) in html


def test_api_lists_of_people_name_pictures_at_no_query_per_person():
    star = UserFactory()
    client = APIClient()
    for _ in range(2):
        FollowFactory(followee=star, follower=pictured())
    url = f"/api/v1/users/{star.username}/followers/"
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(3):
        FollowFactory(followee=star, follower=pictured())
    with CaptureQueriesContext(connection) as more:
        rows = client.get(url).json()["results"]

    assert [row["avatar_url"] for row in rows] == [
        f"http://testserver/media/avatars/{row['id']}/face.webp" for row in rows
    ]
    assert len(rows) == 5 and len(more.captured_queries) == len(few.captured_queries)


@pytest.fixture
def debug_urls(settings, media_root):
    """The URL configuration as DEBUG=1 builds it (socialnet/urls.py adds the pictures' route then)."""
    import socialnet.urls

    settings.DEBUG = True
    importlib.reload(socialnet.urls)
    clear_url_caches()
    yield
    settings.DEBUG = False
    importlib.reload(socialnet.urls)
    clear_url_caches()


def test_with_debug_on_django_serves_profile_pictures_and_nothing_else_of_media(client, media_root, debug_urls):
    (media_root / "avatars" / "7").mkdir(parents=True)
    (media_root / "avatars" / "7" / "face.webp").write_bytes(b"RIFF-picture")
    (media_root / "models").mkdir()
    (media_root / "models" / "v1.joblib").write_bytes(b"private model")

    picture = client.get("/media/avatars/7/face.webp")
    assert picture.status_code == 200 and b"".join(picture.streaming_content) == b"RIFF-picture"
    assert client.get("/media/models/v1.joblib").status_code == 404
    assert client.get("/media/avatars/../models/v1.joblib").status_code in (400, 404)
