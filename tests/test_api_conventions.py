"""What every API answer has in common, as a mobile client relies on it: error bodies, the schema."""

import json

import pytest
from django.core.exceptions import BadRequest, ValidationError
from django.test import RequestFactory

from socialnet.api import exception_handler
from socialnet.views import bad_request


def test_a_service_error_of_no_one_field_is_400_under_non_field_errors_like_drf_own():
    response = exception_handler(ValidationError("The password is not correct."), {})
    assert response.status_code == 400
    assert response.data == {"non_field_errors": ["The password is not correct."]}


def test_a_service_error_per_field_is_400_with_a_list_of_messages_per_field():
    response = exception_handler(ValidationError({"name": ["Too long.", "Taken."]}), {})
    assert response.status_code == 400
    assert response.data == {"name": ["Too long.", "Taken."]}


def _operations():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            yield f"{method.upper()} {path}", operation


def test_every_operation_has_a_summary_and_its_own_description(db):
    operations = dict(_operations())
    assert [name for name, operation in operations.items() if not operation.get("summary")] == []
    assert [name for name, operation in operations.items() if not operation.get("description")] == []


def test_operations_are_grouped_by_the_resource_they_act_on(db):
    tags = {name: operation["tags"] for name, operation in _operations()}
    assert tags["POST /api/v1/posts/"] == ["posts"] and tags["GET /api/v1/communities/{slug}/"] == ["communities"]
    assert [name for name, tag in tags.items() if tag != [name.split("/")[3]]] == []


def test_every_operation_documents_its_errors_with_their_bodies(db):
    for name, operation in _operations():
        responses = operation["responses"]
        assert {"401", "429"} <= set(responses), name
        if "{" in name:
            assert "404" in responses, name
        for code, response in responses.items():
            if code >= "400":
                assert response["content"]["application/json"]["schema"]["$ref"] in (
                    "#/components/schemas/ErrorDetail", "#/components/schemas/ValidationError",
                ), (name, code)
    writes = dict(_operations())
    assert writes["POST /api/v1/posts/"]["responses"]["400"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ValidationError"
    }
    assert "403" in writes["PATCH /api/v1/posts/{id}/"]["responses"]
    assert "403" in writes["GET /api/v1/recommender/versions/"]["responses"]


def test_the_schema_describes_token_and_session_authentication(db, api_client):
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    assert set(schema["components"]["securitySchemes"]) == {"tokenAuth", "cookieAuth"}
    assert "Authorization: Token" in schema["info"]["description"]


def test_an_api_address_nothing_matches_is_a_json_404_and_a_page_address_an_html_one(db, client):
    for path in ("/api/v1/analytics/%3A/", "/api/v1/no-such-thing/"):
        response = client.get(path)
        assert response.status_code == 404 and response.json() == {"detail": "Not found."}
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")


def _response_components() -> dict[str, dict]:
    from drf_spectacular.generators import SchemaGenerator

    schemas = SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]
    return {name: schema for name, schema in schemas.items() if not name.endswith("Request")}


PERSON_FIELDS = {"author", "sender", "actor", "user", "participants", "last_message_sender"}
# The person themselves, in full: a profile page, my account.
USER_COMPONENTS = {"UserSummary", "User", "UserDetail", "Me"}


def test_every_person_in_an_answer_is_the_one_nested_user_summary(db):
    """Posts, comments, messages, notifications, conversations and memberships name people alike:
    {id, username, display_name, avatar_url}, never a bare username."""
    components = _response_components()
    assert set(components["UserSummary"]["properties"]) == {"id", "username", "display_name", "avatar_url"}
    people = {
        (name, field): str(prop)
        for name, schema in components.items()
        for field, prop in schema.get("properties", {}).items()
        if field in PERSON_FIELDS
    }
    assert {("Message", "sender"), ("Notification", "actor"), ("Conversation", "participants"),
            ("Conversation", "last_message_sender"), ("Member", "user"), ("Post", "author")} <= set(people)
    others = {key for key, prop in people.items() if "#/components/schemas/UserSummary" not in prop}
    assert others == {("Registered", "user")}  # sign-up answers with the new account itself, in full (Me)
    flat = [name for name, schema in components.items()
            if "username" in schema.get("properties", {}) and name not in USER_COMPONENTS]
    assert flat == []


def test_every_list_is_a_cursor_page_but_search(db):
    """One pagination style for a client's pager: `{next, previous, results}` behind a cursor. Search alone pages by
    number: its relevance order (match tiers, then a computed rank) has no stable position for a cursor."""
    components = _response_components()
    pages = {}
    for name, operation in _operations():
        answer = operation["responses"].get("200", {}).get("content", {}).get("application/json", {})
        component = answer.get("schema", {}).get("$ref", "").rsplit("/", 1)[-1]
        if component.startswith("Paginated") or component == "SearchPage":
            pages[name] = set(components[component]["properties"])
    assert len(pages) >= 17
    numbered = {name for name, fields in pages.items() if fields != {"next", "previous", "results"}}
    assert numbered == {"GET /api/v1/search/"}


def _usernames_page_by_page(client, url) -> list[str]:
    names = []
    while url:
        body = client.get(url).json()
        assert set(body) == {"next", "previous", "results"}, body
        names += [row["username"] for row in body["results"]]
        url = body["next"]
    return names


def _people_lists():
    """For each list of people: its address for a world, and how one more person gets on top of it."""
    from tests.factories import BlockFactory, FollowFactory, LikeFactory, PostFactory, UserFactory

    def likers(w):
        w.setdefault("post", PostFactory())
        return f"/api/v1/posts/{w['post'].pk}/likes/", lambda: LikeFactory(post=w["post"]).user

    def people(w):
        countdown = iter(range(99, 0, -1))  # each newcomer's name sorts first
        return "/api/v1/users/?q=zz", lambda: UserFactory(username=f"zz{next(countdown):02}")

    return {
        "followers": lambda w: (
            f"/api/v1/users/{w['viewer'].username}/followers/",
            lambda: FollowFactory(followee=w["viewer"]).follower,
        ),
        "following": lambda w: (
            f"/api/v1/users/{w['viewer'].username}/following/",
            lambda: FollowFactory(follower=w["viewer"]).followee,
        ),
        "blocked": lambda w: ("/api/v1/me/blocked/", lambda: BlockFactory(blocker=w["viewer"]).blocked),
        "likers": likers,
        "people": people,  # by username
    }


@pytest.mark.parametrize("name", ["followers", "following", "blocked", "likers", "people"])
def test_lists_of_people_page_by_cursor_unshaken_by_newcomers(db, name):
    """Someone added on top while a client pages (a new follower) neither repeats a person on the next page nor
    hides one, as numbered pages did."""
    from rest_framework.test import APIClient

    from tests.factories import UserFactory

    world = {"viewer": UserFactory()}
    url, add = _people_lists()[name](world)
    listed = [add().username for _ in range(5)][::-1]  # newest (or first by name) first
    client = APIClient()
    client.force_authenticate(world["viewer"])

    first = client.get(f"{url}{'&' if '?' in url else '?'}page_size=2").json()
    add()
    names = [row["username"] for row in first["results"]] + _usernames_page_by_page(client, first["next"])

    assert names == listed


def test_a_bad_request_is_json_under_the_api_and_a_page_elsewhere(db, client):
    response = bad_request(RequestFactory().get("/api/v1/anything/"), BadRequest("after must be a message id"))
    assert response.status_code == 400 and json.loads(response.content) == {"detail": "after must be a message id"}
    # Django's own refusals (a forged Host header) keep their reason to themselves: it would echo the attacker.
    response = client.get("/api/v1/me/", HTTP_HOST="forged.example")
    assert response.status_code == 400 and response.json() == {"detail": "Bad request."}
    response = client.get("/communities/", HTTP_HOST="forged.example")
    body = response.content.decode()
    assert response.status_code == 400 and "cannot be read" in body and "forged.example" not in body


def test_the_schema_is_valid_openapi_without_a_warning(db, tmp_path):
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))
    assert "openapi: 3" in (tmp_path / "schema.yml").read_text()
