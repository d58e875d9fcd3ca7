from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import CommentFactory, CommentLikeFactory


@pytest.fixture
def add_commented_comments(user, other_user):
    """add(post, n): n top-level comments, each with a reply and a like, for query-count tests.

    Only two users write them all: creating users (password hashing) is what makes tests slow.
    """

    def add(post, n):
        for comment in CommentFactory.create_batch(n, post=post, author=other_user):
            CommentFactory(post=post, parent=comment, author=user)
            CommentLikeFactory(comment=comment, user=user)

    return add


@pytest.fixture
def add_top_level_comments(other_user):
    """add(post, n): n top-level comments by one author, a minute apart, oldest first (and returned in that order)."""

    def add(post, n):
        start = timezone.now() - timedelta(minutes=n)
        return [
            CommentFactory(post=post, author=other_user, text=f"comment {i}", created_at=start + timedelta(minutes=i))
            for i in range(n)
        ]

    return add
