"""Someone reports a community post from its card in a real browser; the community's moderator finds it in the queue
from the top bar and removes it."""

import pytest
from playwright.sync_api import expect

from communities.models import Membership
from moderation.models import Report
from tests.factories import CommunityFactory, MembershipFactory, PostFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_report_a_post_and_a_moderator_removes_it(logged_in_page, live_server):
    community = CommunityFactory(name="Trail Runners", slug="trail-runners")
    moderator, author, reporter = (UserFactory(username=name) for name in ("mia", "spammer", "ravi"))
    MembershipFactory(community=community, user=moderator, role=Membership.Role.MODERATOR)
    MembershipFactory(community=community, user=author)
    post = PostFactory(author=author, community=community, text="Cheap pills, click here")

    page = logged_in_page(reporter)
    page.goto("/communities/trail-runners/")
    page.locator(f"#post-{post.pk}").get_by_role("link", name="Report").click()
    expect(page.locator("h1")).to_have_text("Report this post")
    expect(page.locator("blockquote")).to_have_text("Cheap pills, click here")
    page.get_by_label("Spam").check()
    page.get_by_label("Note (optional)").fill("Same ad in every community")
    page.get_by_role("button", name="Send report").click()
    expect(page).to_have_url(f"{live_server.url}/communities/trail-runners/")
    expect(page.get_by_text("Thanks, moderators will review it.")).to_be_visible()
    report = Report.objects.get()
    assert (report.reporter, report.target_post, report.reason) == (reporter, post, "spam")

    page = logged_in_page(moderator)
    page.goto("/communities/")
    expect(page.locator("#nav-open-reports")).to_have_text("1")
    page.locator(".topbar").get_by_role("link", name="Reports").click()
    entry = page.locator(f"#report-{report.pk}")
    expect(entry).to_contain_text("Cheap pills, click here")
    expect(entry).to_contain_text("Same ad in every community")
    entry.get_by_role("button", name="Remove the post").click()
    expect(page.get_by_text("The post is removed; 1 report closed.")).to_be_visible()
    expect(page.get_by_text("Nothing to review.")).to_be_visible()
    expect(page.locator("#nav-open-reports")).to_have_count(0)
    post.refresh_from_db()
    assert post.removed_by == moderator
