"""What every API answer has in common, as a mobile client relies on it: error bodies, the schema."""

import json

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


def test_a_bad_request_is_json_under_the_api_and_a_page_elsewhere(db, client):
    response = bad_request(RequestFactory().get("/api/v1/anything/"), BadRequest("after must be a message id"))
    assert response.status_code == 400 and json.loads(response.content) == {"detail": "after must be a message id"}
    # Django's own refusals (a forged Host header) keep their reason to themselves: it would echo the attacker.
    response = client.get("/api/v1/me/", HTTP_HOST="forged.example")
    assert response.status_code == 400 and response.json() == {"detail": "Bad request."}
    response = client.get("/communities/", HTTP_HOST="forged.example")
    body = response.content.decode()
    assert response.status_code == 400 and "cannot be read" in body and "forged.example" not in body
