"""One person opens a community in a real browser; another joins it and posts, and the post shows on its page.
An owner deletes a community, confirming with its name."""

import pytest
from playwright.sync_api import expect

from communities.models import Community, Membership
from tests.factories import CommunityFactory, MembershipFactory, TopicFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_create_join_and_post(logged_in_page, live_server):
    TopicFactory(name="sport")
    owner, runner = UserFactory(username="olga"), UserFactory(username="ravi")

    page = logged_in_page(owner)
    page.goto("/communities/new/")
    page.get_by_label("Name").fill("Trail Runners")
    expect(page.locator("#slug-hint")).to_contain_text("/communities/trail-runners/")  # htmx suggestion
    page.get_by_label("Description").fill("Hills before breakfast")
    page.get_by_label("Topic").select_option(label="sport")
    page.get_by_role("button", name="Create").click()
    expect(page).to_have_url(f"{live_server.url}/communities/trail-runners/")
    expect(page.locator("h1")).to_have_text("Trail Runners")

    page = logged_in_page(runner)
    page.goto("/communities/trail-runners/")
    page.get_by_role("button", name="Join").click()
    expect(page.get_by_text("Welcome to Trail Runners.")).to_be_visible()
    page.get_by_label("Write a post").fill("Ten miles in the fog this morning")
    page.locator("#community-post-form select[name=topic]").select_option(label="sport")
    page.get_by_role("button", name="Publish").click()
    expect(page.locator("#community-posts")).to_contain_text("Ten miles in the fog this morning")
    expect(page.locator("#community-members")).to_contain_text("@ravi")
    assert Membership.objects.get(user=runner).role == Membership.Role.MEMBER


def test_owner_deletes_a_community_after_typing_its_name(logged_in_page, live_server):
    owner = UserFactory(username="olga")
    community = CommunityFactory(name="Trail Runners", slug="trail-runners")
    MembershipFactory(community=community, user=owner, role=Membership.Role.OWNER)

    page = logged_in_page(owner)
    page.goto("/communities/trail-runners/")
    page.get_by_role("link", name="Delete community").click()
    page.get_by_label("Type the community's name to confirm").fill("Trail runners")
    page.get_by_role("button", name="Delete the community").click()
    expect(page.locator(".errorlist")).to_contain_text("not the community's name")
    page.get_by_label("Type the community's name to confirm").fill("Trail Runners")
    page.get_by_role("button", name="Delete the community").click()
    expect(page).to_have_url(f"{live_server.url}/communities/")
    expect(page.get_by_text("Trail Runners has been deleted.")).to_be_visible()
    assert not Community.objects.exists()
