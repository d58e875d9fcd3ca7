import re
from datetime import date

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.test import Client
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts import services
from accounts.models import Block, Follow, User
from accounts.tests.footprint import build_footprint, friend_state, leaver_rows
from analytics.models import Activity
from tests.factories import PASSWORD, BlockFactory, FollowFactory, TopicFactory, UserFactory

pytestmark = pytest.mark.django_db

ANDROID_UA = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/120 Mobile Safari/537.36"


def test_register_returns_token_and_records_signup_metadata(api_client):
    response = api_client.post(
        "/api/v1/auth/register/?utm_source=ads",
        {"username": "alice", "email": "alice@example.com", "password": PASSWORD},
        HTTP_USER_AGENT=ANDROID_UA,
    )
    assert response.status_code == 201, response.content
    user = User.objects.get(username="alice")
    assert response.json()["token"] == Token.objects.get(user=user).key
    assert response.json()["user"]["email"] == "alice@example.com"
    assert (user.profile.os, user.profile.source) == ("Android", "ads")
    assert Activity.objects.filter(actor=user, verb="register").count() == 1


def test_register_duplicate_username_any_case_is_a_field_error(api_client):
    UserFactory(username="Alice")
    response = api_client.post(
        "/api/v1/auth/register/", {"username": "ALICE", "email": "a@example.com", "password": PASSWORD}
    )
    assert response.status_code == 400
    assert "username" in response.json()
    assert User.objects.count() == 1


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({}, {"username", "email", "password"}),
        ({"username": "bob", "email": "nope", "password": PASSWORD}, {"email"}),
        ({"username": "bob", "email": "bob@example.com", "password": "password"}, {"password"}),
        ({"username": ["bob"], "email": "bob@example.com", "password": PASSWORD}, {"username"}),
    ],
)
def test_register_bad_input(api_client, payload, fields):
    response = api_client.post("/api/v1/auth/register/", payload, format="json")
    assert response.status_code == 400
    assert set(response.json()) == fields
    assert not User.objects.exists()


def test_register_malformed_json(api_client):
    response = api_client.post("/api/v1/auth/register/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert not User.objects.exists()


def test_token_login_records_activity(api_client, user):
    response = api_client.post("/api/v1/auth/token/", {"username": user.username.upper(), "password": PASSWORD})
    assert response.status_code == 200
    assert response.json()["token"] == Token.objects.get(user=user).key
    assert Activity.objects.filter(actor=user, verb="login").count() == 1
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert api_client.get("/api/v1/me/").json()["username"] == user.username


def test_token_wrong_password(api_client, user):
    response = api_client.post("/api/v1/auth/token/", {"username": user.username, "password": "wrong"})
    assert response.status_code == 400
    assert not Token.objects.exists()


def test_me_get_and_patch_profile(auth_api_client, user):
    TopicFactory(name="sport")
    response = auth_api_client.patch(
        "/api/v1/me/",
        {"email": "new@example.com", "profile": {"display_name": "Al", "city": "Paris", "interests": ["sport"]}},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["email"] == "new@example.com"
    assert body["profile"]["display_name"] == "Al"
    assert body["profile"]["interests"] == ["sport"]
    user.refresh_from_db()
    assert (user.email, user.profile.city) == ("new@example.com", "Paris")
    assert Activity.objects.filter(actor=user, verb="profile_update").count() == 1


@pytest.mark.parametrize(
    "payload",
    [
        {"profile": {"gender": "robot"}},
        {"profile": {"birth_date": "yesterday"}},
        {"profile": {"interests": ["no-such-topic"]}},
        {"email": "not-an-email"},
    ],
)
def test_me_patch_bad_input_changes_nothing(auth_api_client, user, payload):
    response = auth_api_client.patch("/api/v1/me/", payload)
    assert response.status_code == 400
    assert set(response.json()) == set(payload)
    user.refresh_from_db()
    assert user.email == f"{user.username}@example.com"
    assert user.profile.gender == "female"
    assert not Activity.objects.filter(verb="profile_update").exists()


def test_me_patch_sets_who_can_message_and_refuses_an_unknown_value(auth_api_client, user):
    response = auth_api_client.patch("/api/v1/me/", {"profile": {"who_can_message": "nobody"}}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["profile"]["who_can_message"] == "nobody"

    response = auth_api_client.patch("/api/v1/me/", {"profile": {"who_can_message": "friends"}}, format="json")
    assert response.status_code == 400
    assert response.json() == {"profile": {"who_can_message": ['"friends" is not a valid choice.']}}
    user.profile.refresh_from_db()
    assert user.profile.who_can_message == "nobody"


def test_who_can_message_is_the_owners_alone(auth_api_client, other_user):
    body = auth_api_client.get(f"/api/v1/users/{other_user.username}/").json()
    assert body["username"] == other_user.username and "who_can_message" not in body["profile"]


def test_me_requires_authentication(api_client):
    assert api_client.get("/api/v1/me/").status_code in (401, 403)


def test_user_detail_never_exposes_email_or_signup_metadata(auth_api_client, other_user):
    body = auth_api_client.get(f"/api/v1/users/{other_user.username}/").json()
    assert body["username"] == other_user.username
    assert "email" not in body
    assert "os" not in body["profile"] and "source" not in body["profile"]


def test_user_detail_shows_age_like_the_profile_page_but_not_birth_date_or_gender(api_client, auth_api_client, user):
    other = UserFactory()
    other.profile.birth_date, other.profile.gender = date(1990, 5, 17), "female"
    other.profile.save()
    for client in (api_client, auth_api_client):
        profile = client.get(f"/api/v1/users/{other.username}/").json()["profile"]
        assert profile["age"] == other.profile.age
        assert "birth_date" not in profile and "gender" not in profile
    mine = auth_api_client.get("/api/v1/me/").json()["profile"]
    assert "birth_date" in mine and mine["gender"] == user.profile.gender  # the owner still sees and edits them


def test_user_search_and_blocked_users_hidden(auth_api_client, user, django_assert_max_num_queries):
    UserFactory(username="carla")
    UserFactory(username="carlos")
    blocker = UserFactory(username="carlito")
    BlockFactory(blocker=blocker, blocked=user)
    with django_assert_max_num_queries(4):
        response = auth_api_client.get("/api/v1/users/?q=CARL")
    assert [row["username"] for row in response.json()["results"]] == ["carla", "carlos"]
    assert auth_api_client.get("/api/v1/users/carlito/").status_code == 404


def test_follow_and_unfollow(auth_api_client, user, other_user):
    url = f"/api/v1/users/{other_user.username}/follow/"
    response = auth_api_client.post(url)
    assert response.status_code == 201
    assert response.json() == {"following": True, "follower_count": 1}
    assert Follow.objects.filter(follower=user, followee=other_user).exists()
    assert auth_api_client.post(url).status_code == 409
    response = auth_api_client.delete(url)
    assert response.json() == {"following": False, "follower_count": 0}
    assert not Follow.objects.exists()
    assert list(Activity.objects.filter(actor=user).values_list("verb", flat=True).order_by("id")) == [
        "follow",
        "unfollow",
    ]


def test_follow_self_is_400_and_unknown_user_404(auth_api_client, user):
    assert auth_api_client.post(f"/api/v1/users/{user.username}/follow/").status_code == 400
    assert auth_api_client.post("/api/v1/users/nobody/follow/").status_code == 404


def test_follow_requires_authentication(api_client, other_user):
    assert api_client.post(f"/api/v1/users/{other_user.username}/follow/").status_code in (401, 403)
    assert not Follow.objects.exists()


def test_followers_and_following_lists(api_client, django_assert_max_num_queries):
    star = UserFactory()
    fans = UserFactory.create_batch(3)
    for fan in fans:
        FollowFactory(follower=fan, followee=star)
    with django_assert_max_num_queries(4):
        followers = api_client.get(f"/api/v1/users/{star.username}/followers/").json()
    assert [row["username"] for row in followers["results"]] == [fan.username for fan in reversed(fans)]
    following = api_client.get(f"/api/v1/users/{fans[0].username}/following/").json()
    assert [row["username"] for row in following["results"]] == [star.username]


def test_a_person_without_a_profile_is_named_by_username_as_on_the_site(api_client):
    star = UserFactory()
    bare = User.objects.create_user("bare", "bare@mail.example", PASSWORD)  # as createsuperuser: no profile
    FollowFactory(follower=bare, followee=star)
    rows = api_client.get(f"/api/v1/users/{star.username}/followers/").json()["results"]
    assert rows == [{"id": bare.pk, "username": "bare", "display_name": "bare", "avatar_url": None}]


def test_block_and_unblock(auth_api_client, user, other_user):
    FollowFactory(follower=other_user, followee=user)
    url = f"/api/v1/users/{other_user.username}/block/"
    assert auth_api_client.post(url).json() == {"blocking": True}
    assert Block.objects.filter(blocker=user, blocked=other_user).exists()
    assert not Follow.objects.exists()
    assert auth_api_client.post(url).status_code == 409
    assert auth_api_client.post(f"/api/v1/users/{other_user.username}/follow/").status_code == 403
    assert auth_api_client.delete(url).json() == {"blocking": False}
    assert not Block.objects.exists()


def test_schema_has_no_warnings_for_accounts_and_posts(capsys, tmp_path):
    from django.core.management import call_command

    # Other apps' endpoints are checked by their own tests; this one must not fail because of them.
    call_command("spectacular", "--validate", "--file", str(tmp_path / "schema.yaml"))
    problems = [line for line in capsys.readouterr().err.splitlines() if "accounts/" in line or "posts/" in line]
    assert problems == []


def test_token_login_is_locked_after_repeated_failures(api_client, user, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        api_client.post("/api/v1/auth/token/", {"username": user.username, "password": "wrong"})
    response = api_client.post("/api/v1/auth/token/", {"username": user.username, "password": PASSWORD})
    assert response.status_code in (400, 403, 429)
    assert not Token.objects.exists()


def test_me_delete_with_the_password_deletes_the_account_and_its_token(api_client):
    footprint = build_footprint()
    leaver_id, before = footprint.leaver.pk, friend_state(footprint)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {footprint.token}")

    response = api_client.delete("/api/v1/me/", {"password": PASSWORD}, format="json")

    assert response.status_code == 204, response.content
    assert not User.objects.filter(pk=leaver_id).exists()
    assert leaver_rows(leaver_id) == dict.fromkeys(leaver_rows(leaver_id), 0)
    assert friend_state(footprint) == before
    assert api_client.get("/api/v1/me/").status_code == 401  # the token went with the account


@pytest.mark.parametrize(
    ("body", "message"),
    [({}, "This field is required."), ({"password": "not-my-password-1"}, "The password is not correct.")],
)
def test_me_delete_without_the_right_password_is_400_and_deletes_nothing(api_client, body, message):
    footprint = build_footprint()
    leaver_id, before = footprint.leaver.pk, leaver_rows(footprint.leaver.pk)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {footprint.token}")

    response = api_client.delete("/api/v1/me/", body, format="json")

    assert response.status_code == 400
    assert response.json() == {"password": [message]}
    assert leaver_rows(leaver_id) == before


def test_me_delete_needs_authentication_and_there_is_no_deleting_other_users(api_client, auth_api_client, other_user):
    assert api_client.delete("/api/v1/me/", {"password": PASSWORD}, format="json").status_code == 401
    response = auth_api_client.delete(f"/api/v1/users/{other_user.username}/", {"password": PASSWORD}, format="json")
    assert response.status_code == 405
    assert User.objects.filter(pk=other_user.pk).exists()


def test_me_delete_is_documented_with_its_password_body():
    schema = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    operation = schema["paths"]["/api/v1/me/"]["delete"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert schema["components"]["schemas"][body]["required"] == ["password"]
    assert set(operation["responses"]) == {"204", "400", "401", "403", "429"}
    assert "password" in operation["responses"]["400"]["description"]  # the view's own words are kept


def test_my_blocked_list_newest_first_and_unblock(auth_api_client, user, other_user):
    first, second = UserFactory.create_batch(2)
    BlockFactory(blocker=user, blocked=first)
    BlockFactory(blocker=user, blocked=second)
    BlockFactory(blocker=other_user, blocked=user)  # blocked me: not mine to list
    BlockFactory(blocker=other_user, blocked=first)  # someone else's block

    response = auth_api_client.get("/api/v1/me/blocked/")

    assert response.status_code == 200
    assert [row["username"] for row in response.json()["results"]] == [second.username, first.username]
    assert auth_api_client.delete(f"/api/v1/users/{second.username}/block/").json() == {"blocking": False}
    assert [row["username"] for row in auth_api_client.get("/api/v1/me/blocked/").json()["results"]] == [first.username]


def test_my_blocked_list_needs_sign_in(api_client):
    assert api_client.get("/api/v1/me/blocked/").status_code == 401


def test_my_blocked_list_query_count_does_not_grow(auth_api_client, user, django_assert_num_queries):
    for blocked in UserFactory.create_batch(2):
        BlockFactory(blocker=user, blocked=blocked)
    with django_assert_num_queries(1) as few:  # the page (a cursor page: no count)
        assert len(auth_api_client.get("/api/v1/me/blocked/").json()["results"]) == 2
    for blocked in UserFactory.create_batch(18):
        BlockFactory(blocker=user, blocked=blocked)
    with django_assert_num_queries(len(few.captured_queries)):
        assert len(auth_api_client.get("/api/v1/me/blocked/").json()["results"]) == 20


def test_token_delete_logs_the_client_out(api_client, user):
    token = api_client.post("/api/v1/auth/token/", {"username": user.username, "password": PASSWORD}).json()["token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api_client.get("/api/v1/me/").status_code == 200
    assert api_client.delete("/api/v1/auth/token/").status_code == 204
    assert api_client.get("/api/v1/me/").json() == {"detail": "Invalid token."}
    api_client.credentials()
    assert api_client.delete("/api/v1/auth/token/").status_code == 401
    new_token = api_client.post("/api/v1/auth/token/", {"username": user.username, "password": PASSWORD}).json()
    assert new_token["token"] != token


def test_password_change_signs_other_devices_out_and_hands_this_client_a_new_token(api_client, client, user):
    token = api_client.post("/api/v1/auth/token/", {"username": user.username, "password": PASSWORD}).json()["token"]
    other_device = APIClient()
    other_device.credentials(HTTP_AUTHORIZATION=f"Token {token}")  # the account's token, as another phone holds it
    client.force_login(user)  # and a browser
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    response = api_client.post("/api/v1/me/password/", {"old_password": PASSWORD, "new_password": "fresh-secret-881"})

    assert response.status_code == 200
    new_token = response.json()["token"]
    assert new_token != token and Token.objects.get(user=user).key == new_token
    user.refresh_from_db()
    assert user.check_password("fresh-secret-881")
    assert api_client.get("/api/v1/me/").json() == {"detail": "Invalid token."}  # the old token is gone everywhere
    assert other_device.get("/api/v1/me/").status_code == 401
    assert client.get("/api/v1/me/").status_code == 401  # the browser's session ended with the old password
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {new_token}")
    assert api_client.get("/api/v1/me/").json()["username"] == user.username


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"old_password", "new_password"}),
        ({"old_password": "wrong", "new_password": "fresh-secret-881"}, {"old_password"}),
        ({"old_password": PASSWORD, "new_password": "123"}, {"new_password"}),
    ],
)
def test_password_change_refusals_name_the_field(auth_api_client, user, body, fields):
    response = auth_api_client.post("/api/v1/me/password/", body)
    assert response.status_code == 400 and set(response.json()) == fields
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_password_change_with_a_session_keeps_the_session_and_ends_the_others(client, user):
    old_token = services.token_issue(user=user).key
    other_browser = Client()
    other_browser.force_login(user)
    client.force_login(user)
    response = client.post(
        "/api/v1/me/password/", {"old_password": PASSWORD, "new_password": "fresh-secret-881"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert client.get("/api/v1/me/").status_code == 200
    assert other_browser.get("/api/v1/me/").status_code == 401
    assert Token.objects.get(user=user).key == response.json()["token"] != old_token


def test_profile_shows_counts_and_my_follow_and_block_state(api_client, auth_api_client, user, other_user):
    FollowFactory(follower=user, followee=other_user)
    FollowFactory(follower=other_user, followee=UserFactory())
    url = f"/api/v1/users/{other_user.username}/"
    body = auth_api_client.get(url).json()
    assert (body["follower_count"], body["following_count"]) == (1, 1)
    assert (body["is_following"], body["is_blocking"]) == (True, False)
    auth_api_client.post(f"{url}block/")
    assert auth_api_client.get(url).json()["is_blocking"] is True
    anonymous = api_client.get(url).json()
    assert (anonymous["is_following"], anonymous["is_blocking"]) == (False, False)


def _reset_link(user) -> tuple[str, str]:
    return urlsafe_base64_encode(force_bytes(user.pk)), default_token_generator.make_token(user)


def test_password_reset_sends_the_pages_email_whose_link_works_in_the_browser(
    api_client, client, user, celery_eager, django_capture_on_commit_callbacks
):
    old_token = services.token_issue(user=user).key

    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post("/api/v1/auth/password-reset/", {"email": user.email.upper()})

    assert response.status_code == 204
    [email] = mail.outbox
    assert email.to == [user.email] and email.subject == "Reset your socialnet password"
    path = re.search(r"https?://testserver(/\S+)", email.body).group(1)
    form_page = client.get(path, follow=True)  # the web's own reset page takes the link
    assert form_page.context["validlink"]
    client.post(form_page.redirect_chain[-1][0], {"new_password1": "fresh-horse-88", "new_password2": "fresh-horse-88"})
    user.refresh_from_db()
    assert user.check_password("fresh-horse-88")
    assert not Token.objects.filter(key=old_token).exists()  # the page signs the API clients out too


def test_password_reset_answers_alike_whether_or_not_an_account_has_the_address(
    api_client, user, celery_eager, django_capture_on_commit_callbacks
):
    inactive = UserFactory(is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        answers = [
            api_client.post("/api/v1/auth/password-reset/", {"email": email})
            for email in ("nobody@mail.example", inactive.email, user.email)
        ]
    assert {(answer.status_code, answer.content) for answer in answers} == {(204, b"")}
    assert [email.to for email in mail.outbox] == [[user.email]]


def test_password_reset_is_throttled_per_address_and_per_client_as_the_page(
    api_client, user, settings, celery_eager, django_capture_on_commit_callbacks
):
    settings.RATE_LIMIT_PASSWORD_RESETS_PER_MINUTE = 2

    def ask(email, ip):
        with django_capture_on_commit_callbacks(execute=True):
            return api_client.post("/api/v1/auth/password-reset/", {"email": email}, REMOTE_ADDR=ip)

    assert [ask("a@mail.example", "10.0.0.1").status_code for _ in range(2)] == [204, 204]
    refused = ask("A@mail.example", "10.0.0.2")  # another client, the same address (any case)
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    assert "password reset requests per minute" in refused.json()["detail"]
    assert ask(user.email, "10.0.0.1").status_code == 429  # the first client, for another address
    assert mail.outbox == []  # an account's e-mail does not go out past the limit
    assert ask(user.email, "10.0.0.2").status_code == 204
    assert len(mail.outbox) == 1


def test_password_reset_confirm_sets_the_password_once_and_signs_every_device_out(api_client, user):
    old_token = services.token_issue(user=user).key
    uid, token = _reset_link(user)
    body = {"uid": uid, "token": token, "new_password": "fresh-horse-88"}

    response = api_client.post("/api/v1/auth/password-reset/confirm/", body)

    assert response.status_code == 204
    user.refresh_from_db()
    assert user.check_password("fresh-horse-88")
    assert not Token.objects.filter(user=user).exists()
    assert api_client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {old_token}").status_code == 401
    again = api_client.post("/api/v1/auth/password-reset/confirm/", {**body, "new_password": "other-horse-99"})
    assert again.status_code == 400 and set(again.json()) == {"token"}  # a link works once
    login = api_client.post("/api/v1/auth/token/", {"username": user.username, "password": "fresh-horse-88"})
    assert login.status_code == 200


@pytest.mark.parametrize(
    ("change", "fields"),
    [
        ({"uid": "MQ"}, {"uid"}),  # nobody's
        ({"uid": "not base64!"}, {"uid"}),
        ({"uid": urlsafe_base64_encode(b"99999999999999999999999")}, {"uid"}),  # beyond any id
        ({"token": "bad-token"}, {"token"}),
        ({"new_password": "123"}, {"new_password"}),
        ({"new_password": ""}, {"new_password"}),
    ],
)
def test_password_reset_confirm_bad_input_is_400_under_its_field_and_changes_nothing(api_client, user, change, fields):
    old_token = services.token_issue(user=user).key
    uid, token = _reset_link(user)
    response = api_client.post(
        "/api/v1/auth/password-reset/confirm/", {"uid": uid, "token": token, "new_password": "fresh-horse-88", **change}
    )
    assert response.status_code == 400 and set(response.json()) == fields
    user.refresh_from_db()
    assert user.check_password(PASSWORD) and Token.objects.get(user=user).key == old_token
