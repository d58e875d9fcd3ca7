import pytest
from django.urls import reverse

from analytics.models import Activity
from comments.models import Comment
from tests.factories import CommentFactory, CommentLikeFactory

pytestmark = pytest.mark.django_db


def test_changelist_with_filters_and_search(client, staff_user):
    client.force_login(staff_user)
    CommentFactory(text="findable words")
    url = reverse("admin:comments_comment_changelist")
    assert "findable words" in client.get(url, {"q": "findable"}).content.decode()
    assert client.get(url, {"deleted_at__isempty": "1", "parent__isempty": "1"}).status_code == 200
    CommentLikeFactory()
    assert client.get(reverse("admin:comments_commentlike_changelist")).status_code == 200


def test_remove_action_goes_through_comment_remove(client, staff_user):
    client.force_login(staff_user)
    kept_reply_parent, alone = CommentFactory(), CommentFactory()
    CommentFactory(post=kept_reply_parent.post, parent=kept_reply_parent)
    response = client.post(
        reverse("admin:comments_comment_changelist"),
        {"action": "remove_selected", "_selected_action": [kept_reply_parent.pk, alone.pk]},
    )
    assert response.status_code == 302
    assert not Comment.objects.filter(pk=alone.pk).exists()
    kept_reply_parent.refresh_from_db()
    assert kept_reply_parent.removed_by == staff_user and kept_reply_parent.deleted_at is not None
    assert Activity.objects.filter(verb="comment_remove", actor=staff_user).count() == 2
