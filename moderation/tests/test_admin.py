import pytest
from django.test import Client
from django.urls import reverse

from analytics.models import Activity
from moderation.models import Report
from moderation.services import report_create

pytestmark = pytest.mark.django_db
CHANGELIST = reverse("admin:moderation_report_changelist")


@pytest.fixture
def staff_client(scene):
    scene.staff.is_superuser = True
    scene.staff.save()
    client = Client()
    client.force_login(scene.staff)
    return client


def test_changelist_filters_and_search(scene, staff_client):
    report_create(reporter=scene.reporter, target=scene.post, reason="spam", note="findable words")
    report_create(reporter=scene.reporter, target=scene.author, reason="hate")
    assert staff_client.get(CHANGELIST, {"q": "findable"}).context["cl"].result_count == 1
    people = staff_client.get(CHANGELIST, {"target": "user", "status": "open", "reason": "hate"})
    assert people.status_code == 200 and people.context["cl"].result_count == 1
    assert staff_client.get(CHANGELIST, {"target": "comment"}).context["cl"].result_count == 0
    report = Report.objects.first()
    assert staff_client.get(reverse("admin:moderation_report_change", args=[report.pk])).status_code == 200
    assert staff_client.get(reverse("admin:moderation_report_add")).status_code == 403


def test_actions_resolve_through_report_resolve(scene, staff_client):
    on_post = [report_create(reporter=who, target=scene.post, reason="spam") for who in (scene.reporter,
                                                                                        scene.reporter2)]
    on_person = report_create(reporter=scene.reporter, target=scene.author, reason="hate")

    removed = staff_client.post(
        CHANGELIST, {"action": "remove_selected", "_selected_action": [r.pk for r in on_post]}, follow=True
    )
    dismissed = staff_client.post(
        CHANGELIST, {"action": "dismiss_selected", "_selected_action": [on_person.pk]}, follow=True
    )

    assert "Removed; 2 report(s) closed." in removed.content.decode()
    assert "1 were closed already" in removed.content.decode()  # the second closed with the first
    assert "Dismissed; 1 report(s) closed." in dismissed.content.decode()
    scene.post.refresh_from_db()
    scene.author.refresh_from_db()
    assert scene.post.removed_by == scene.staff and scene.author.is_active
    assert dict(Report.objects.values_list("pk", "status")) == {
        on_post[0].pk: "actioned", on_post[1].pk: "actioned", on_person.pk: "dismissed"
    }
    assert Activity.objects.filter(verb="report_resolve", actor=scene.staff).count() == 2
