import pytest
from rest_framework.test import APIClient

from analytics.models import Activity
from moderation.models import Report
from moderation.services import report_create
from tests.factories import BlockFactory, PostFactory

pytestmark = pytest.mark.django_db
REPORTS = "/api/v1/reports/"


def client_for(user):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def test_report_a_post(scene):
    response = client_for(scene.reporter).post(
        REPORTS, {"target_type": "post", "target_id": scene.post.pk, "reason": "spam", "note": "pills"}
    )
    assert response.status_code == 201, response.content
    report = Report.objects.get()
    assert response.json() == {
        "id": report.pk, "target_type": "post", "target_id": scene.post.pk, "reason": "spam", "note": "pills",
        "status": "open", "created_at": response.json()["created_at"],
    }
    assert (report.reporter, report.target_post) == (scene.reporter, scene.post)
    assert Activity.objects.filter(verb="report_create", actor=scene.reporter).exists()


def test_report_a_comment_and_a_person(scene):
    client = client_for(scene.reporter)
    for target_type, target in (("comment", scene.comment), ("user", scene.author)):
        response = client.post(REPORTS, {"target_type": target_type, "target_id": target.pk, "reason": "harassment"})
        assert response.status_code == 201 and response.json()["target_type"] == target_type
    assert {r.target for r in Report.objects.all()} == {scene.comment, scene.author}


@pytest.mark.parametrize(("body", "errors"), [
    ({}, {"target_type", "target_id", "reason"}),
    ({"target_type": "message", "target_id": 1, "reason": "spam"}, {"target_type"}),
    ({"target_type": "post", "target_id": 0, "reason": "spam"}, {"target_id"}),
    ({"target_type": "post", "target_id": "x", "reason": "boring"}, {"target_id", "reason"}),
    ({"target_type": "post", "target_id": "{post}", "reason": "spam", "note": "x" * 1001}, {"note"}),
])
def test_bad_input_is_400_per_field(scene, body, errors):
    body = {key: scene.post.pk if value == "{post}" else value for key, value in body.items()}
    response = client_for(scene.reporter).post(REPORTS, body)
    assert response.status_code == 400
    assert set(response.json()) == errors and all(isinstance(m, list) for m in response.json().values())
    assert not Report.objects.exists()


def test_refusals(scene, settings):
    reporter = client_for(scene.reporter)
    body = {"target_type": "post", "target_id": scene.post.pk, "reason": "spam"}
    assert client_for(None).post(REPORTS, body).status_code == 401
    own = client_for(scene.author).post(REPORTS, body)
    assert own.status_code == 403 and own.json() == {"detail": "You cannot report your own post."}
    assert reporter.post(REPORTS, {**body, "target_id": 10**9}).status_code == 404
    hidden = PostFactory()
    BlockFactory(blocker=hidden.author, blocked=scene.reporter)
    assert reporter.post(REPORTS, {**body, "target_id": hidden.pk}).status_code == 404
    assert reporter.post(REPORTS, body).status_code == 201
    again = reporter.post(REPORTS, body)
    assert again.status_code == 409
    assert again.json() == {"detail": "You have already reported this post; moderators will review it."}
    settings.RATE_LIMIT_REPORTS_PER_MINUTE = 2
    limited = reporter.post(REPORTS, {**body, "target_type": "comment", "target_id": scene.comment.pk})
    assert limited.status_code == 429 and int(limited["Retry-After"]) >= 1
    assert Report.objects.count() == 1


def test_the_queue_is_for_staff_and_community_moderators(scene):
    report_create(reporter=scene.reporter, target=scene.post, reason="spam", note="pills")
    report_create(reporter=scene.reporter2, target=scene.post, reason="hate")
    report_create(reporter=scene.reporter, target=scene.author, reason="other")

    assert client_for(None).get(REPORTS).status_code == 401
    refused = client_for(scene.reporter).get(REPORTS)
    assert refused.status_code == 403 and "moderators" in refused.json()["detail"]
    moderated = client_for(scene.moderator).get(REPORTS)
    assert moderated.status_code == 200
    (entry,) = moderated.json()["results"]
    assert entry == {
        "id": Report.objects.filter(target_post=scene.post).order_by("created_at", "id").first().pk,
        "target_type": "post", "target_id": scene.post.pk,
        "author": {
            "id": scene.author.pk, "username": "author", "display_name": scene.author.profile.name, "avatar_url": None
        },
        "text": "a community post", "taken_down": False, "community": "club", "report_count": 2,
        "reasons": {"spam": 1, "hate": 1}, "notes": ["pills"], "created_at": entry["created_at"],
    }
    assert "reporter" not in str(entry)  # reporters are not shown to moderators
    staff_queue = client_for(scene.staff).get(REPORTS).json()["results"]
    assert [e["target_type"] for e in staff_queue] == ["post", "user"]
    assert staff_queue[1]["text"] == "" and staff_queue[1]["author"]["username"] == "author"
    scene.author.is_active = False
    scene.author.save()
    assert client_for(scene.staff).get(REPORTS).json()["results"][1]["taken_down"] is True


def test_resolve(scene):
    first = report_create(reporter=scene.reporter, target=scene.post, reason="spam")
    report_create(reporter=scene.reporter2, target=scene.post, reason="spam")
    url = f"{REPORTS}{first.pk}/resolve/"

    bad = client_for(scene.moderator).post(url, {"action": "ban"})
    assert bad.status_code == 400 and bad.json() == {"action": ['"ban" is not a valid choice.']}
    assert client_for(scene.reporter).post(url, {"action": "remove"}).status_code == 404  # reports are private
    assert client_for(scene.author).post(url, {"action": "dismiss"}).status_code == 404
    response = client_for(scene.moderator).post(url, {"action": "remove"})
    assert response.status_code == 200
    assert response.json() == {"status": "actioned", "reports_closed": 2}
    scene.post.refresh_from_db()
    assert scene.post.removed_by == scene.moderator
    again = client_for(scene.owner).post(url, {"action": "dismiss"})
    assert again.status_code == 409 and again.json() == {"detail": "This report has already been handled."}


def test_the_queue_takes_the_same_queries_for_3_and_9_targets(scene, add_reported, django_assert_num_queries):
    client = client_for(scene.staff)
    add_reported(1)
    with django_assert_num_queries(3) as few:  # the page, its reasons, its notes (staff: no membership to look up)
        assert len(client.get(REPORTS).json()["results"]) == 3
    add_reported(2)
    with django_assert_num_queries(len(few.captured_queries)):
        assert len(client.get(REPORTS).json()["results"]) == 9


def test_the_queue_links_the_authors_picture_by_its_full_address(scene):
    scene.author.profile.avatar = f"avatars/{scene.author.pk}/face.webp"  # the name is all a link needs
    scene.author.profile.save(update_fields=["avatar"])
    report_create(reporter=scene.reporter, target=scene.post, reason="spam")
    (entry,) = client_for(scene.moderator).get(REPORTS).json()["results"]
    assert entry["author"]["avatar_url"] == f"http://testserver/media/avatars/{scene.author.pk}/face.webp"
