import pytest
from django.urls import reverse

from posts.models import Like, Post
from tests.factories import LikeFactory

pytestmark = pytest.mark.django_db


def test_the_admin_reads_likes_and_deletes_no_post(client, staff_user):
    """Likes count in the feed's roll-ups and change only through like_add / like_remove; a post is deleted by its
    author (post_delete). Staff delete an account instead (user_delete)."""
    like = LikeFactory()
    client.force_login(staff_user)

    assert client.get(reverse("admin:posts_like_changelist")).status_code == 200
    assert client.get(reverse("admin:posts_like_add")).status_code == 403
    back_dated = {"user": like.user_id, "post": like.post_id, "created_at_0": "2020-01-01", "created_at_1": "00:00:00"}
    assert client.post(reverse("admin:posts_like_change", args=[like.pk]), back_dated).status_code == 403
    assert client.post(reverse("admin:posts_like_delete", args=[like.pk]), {"post": "yes"}).status_code == 403
    assert client.post(reverse("admin:posts_post_delete", args=[like.post_id]), {"post": "yes"}).status_code == 403

    assert Like.objects.filter(pk=like.pk, created_at=like.created_at).exists()
    assert Post.objects.filter(pk=like.post_id).exists()
