import pytest
from django.test import Client
from django.urls import reverse

from moderation.models import Report
from moderation.services import report_create

pytestmark = pytest.mark.django_db


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def report_url(target_type, target_id):
    return reverse("moderation:report", args=[target_type, target_id])


def test_report_a_post_from_its_card(scene):
    client = client_for(scene.reporter)
    feed = reverse("communities:detail", args=["club"])
    link = f'{report_url("post", scene.post.pk)}?next={feed}'
    assert link in client.get(feed).content.decode()

    form = client.get(link)
    assert form.status_code == 200
    assert "Report this post" in form.content.decode() and "a community post" in form.content.decode()
    response = client.post(link, {"reason": "spam", "note": "pills", "next": feed}, follow=True)

    assert response.redirect_chain == [(feed, 302)]
    assert "Thanks, moderators will review it." in response.content.decode()
    report = Report.objects.get()
    assert (report.reporter, report.target_post, report.reason, report.note) == (
        scene.reporter, scene.post, "spam", "pills"
    )


def test_report_links_under_comments_and_on_profiles_but_not_on_my_own(scene):
    reporter, author = client_for(scene.reporter), client_for(scene.author)
    post_page = reverse("posts:detail", args=[scene.post.pk])
    profile = reverse("accounts:profile", args=["author"])
    assert report_url("comment", scene.comment.pk) in reporter.get(post_page).content.decode()
    assert report_url("user", scene.author.pk) in reporter.get(profile).content.decode()
    assert "report-link" not in author.get(post_page).content.decode()
    assert "report-link" not in author.get(profile).content.decode()
    assert "report-link" not in Client().get(post_page).content.decode()


def test_report_form_errors_and_refusals(scene):
    client = client_for(scene.reporter)
    url = report_url("comment", scene.comment.pk)
    missing = client.post(url, {"note": "x"})
    assert missing.status_code == 400 and "This field is required." in missing.content.decode()
    assert client.post(url, {"reason": "spam"}).status_code == 302
    again = client.post(url, {"reason": "hate"})
    assert again.status_code == 409
    assert "You have already reported this comment; moderators will review it." in again.content.decode()
    assert client_for(scene.author).get(url).status_code == 403
    assert client.get(report_url("post", 10**9)).status_code == 404
    assert client.get(report_url("message", scene.post.pk)).status_code == 404
    assert Client().get(url).status_code == 302  # to the login page
    assert Report.objects.count() == 1


def test_the_queue_page_and_resolving_from_it(scene):
    first = report_create(reporter=scene.reporter, target=scene.post, reason="spam", note="pills <b>cheap</b>")
    report_create(reporter=scene.reporter2, target=scene.post, reason="spam")
    queue = reverse("moderation:queue")
    moderator = client_for(scene.moderator)

    page = moderator.get(queue).content.decode()
    assert "2 reports" in page and "Spam ×2" in page and "pills &lt;b&gt;cheap&lt;/b&gt;" in page
    assert 'id="nav-open-reports">1<' in page
    response = moderator.post(reverse("moderation:resolve", args=[first.pk]), {"action": "remove"}, follow=True)
    assert response.redirect_chain == [(queue, 302)]
    body = response.content.decode()
    assert "The post is removed; 2 reports closed." in body and "Nothing to review." in body
    scene.post.refresh_from_db()
    assert scene.post.removed_at is not None

    again = moderator.post(reverse("moderation:resolve", args=[first.pk]), {"action": "dismiss"}, follow=True)
    assert "This report has already been handled." in again.content.decode()


def test_who_sees_the_queue_and_the_top_bar_link(scene):
    """The link shows for those with reports waiting; the queue itself stays open to them."""
    on_post = report_create(reporter=scene.reporter, target=scene.post, reason="spam")
    queue = reverse("moderation:queue")
    assert client_for(scene.reporter).get(queue).status_code == 403
    assert client_for(scene.reporter).post(reverse("moderation:resolve", args=[on_post.pk]),
                                           {"action": "dismiss"}).status_code == 404
    home = reverse("communities:list")

    def nav_link(user):
        body = client_for(user).get(home).content.decode()
        return body[body.index(f'<a href="{queue}">'):].split("</a>")[0] if f'<a href="{queue}">' in body else None

    assert nav_link(scene.reporter) is None
    assert nav_link(scene.owner) == f'<a href="{queue}">Reports <span class="badge" id="nav-open-reports">1</span>'
    assert nav_link(scene.author) is None  # a member; and it is their post
    client_for(scene.moderator).post(reverse("moderation:resolve", args=[on_post.pk]), {"action": "dismiss"})
    assert nav_link(scene.owner) is None and nav_link(scene.staff) is None  # nothing left to handle
    assert client_for(scene.owner).get(queue).status_code == 200


def test_the_queue_page_takes_the_same_queries_for_2_and_6_targets(scene, add_reported, django_assert_num_queries):
    client = client_for(scene.moderator)
    add_reported(1)
    client.get(reverse("moderation:queue"))
    # session, user, navigation (3), is a handler, page count, page, reasons, notes
    with django_assert_num_queries(10) as few:
        assert client.get(reverse("moderation:queue")).content.decode().count("report-entry") == 2
    add_reported(2)
    with django_assert_num_queries(len(few.captured_queries)):
        assert client.get(reverse("moderation:queue")).content.decode().count("report-entry") == 6
