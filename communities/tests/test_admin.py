import pytest

from analytics.models import Activity
from communities.models import Community, Membership
from posts.models import Post

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.mark.parametrize(
    "url",
    [
        "/admin/communities/community/",
        "/admin/communities/membership/",
        "/admin/communities/communitypost/",
        "/admin/communities/community/{community}/change/",
    ],
)
def test_admin_pages_load(staff_client, community_world, url):
    assert staff_client.get(url.format(community=community_world["community"].pk)).status_code == 200


def test_ban_action_skips_the_owner(staff_client, staff_user, community_world):
    users = community_world["users"]
    selected = Membership.objects.filter(user__in=[users["owner"], users["member"]])
    response = staff_client.post(
        "/admin/communities/membership/",
        {"action": "ban_selected", "_selected_action": [m.pk for m in selected]},
        follow=True,
    )
    assert b"1 banned" in response.content and b"owner cannot be banned" in response.content
    assert Membership.objects.get(user=users["member"]).is_banned
    assert not Membership.objects.get(user=users["owner"]).is_banned
    assert Activity.objects.filter(verb="community_ban", actor=staff_user).count() == 1


def test_remove_posts_action(staff_client, staff_user, community_world):
    post = community_world["post"]
    response = staff_client.post(
        "/admin/communities/communitypost/", {"action": "remove_selected", "_selected_action": [post.pk]}, follow=True
    )
    assert b"1 removed" in response.content
    post = Post.objects.get(pk=post.pk)
    assert post.removed_at is not None and post.removed_by == staff_user


@pytest.mark.parametrize("how", ["change_page", "bulk_action"])
def test_admin_deletes_communities_through_the_service(staff_client, staff_user, community_world, how):
    community, post = community_world["community"], community_world["post"]
    if how == "change_page":
        url = f"/admin/communities/community/{community.pk}/delete/"
        response = staff_client.post(url, {"post": "yes"})
    else:
        selected = {"action": "delete_selected", "_selected_action": [community.pk], "post": "yes"}
        response = staff_client.post("/admin/communities/community/", selected)
    assert response.status_code == 302
    assert not Community.objects.exists() and not Membership.objects.exists()
    post = Post.objects.get(pk=post.pk)
    assert post.removed_at is not None and post.removed_by == staff_user  # not left on its author's wall
    assert Activity.objects.filter(verb="community_delete", actor=staff_user).count() == 1
