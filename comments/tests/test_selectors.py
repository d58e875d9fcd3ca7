from datetime import timedelta

import pytest
from django.utils import timezone

from comments.selectors import comment_page_before, comment_thread_page, comment_thread_total
from tests.factories import BlockFactory, CommentFactory, PostFactory

pytestmark = pytest.mark.django_db


def pks(comments):
    return [comment.pk for comment in comments]


def test_pages_go_back_from_the_newest_oldest_first_within_a_page(user, add_top_level_comments):
    post = PostFactory()
    comments = add_top_level_comments(post, 7)
    latest, has_earlier, later_before = comment_thread_page(post=post, viewer=user, limit=3)
    assert pks(latest) == pks(comments[4:]) and has_earlier and later_before is None
    middle, has_earlier, later_before = comment_thread_page(post=post, viewer=user, limit=3, before=latest[0].pk)
    assert pks(middle) == pks(comments[1:4]) and has_earlier
    assert later_before is None  # one page later is the latest page
    first, has_earlier, later_before = comment_thread_page(post=post, viewer=user, limit=3, before=middle[0].pk)
    assert pks(first) == pks(comments[:1]) and not has_earlier
    assert later_before == comments[4].pk  # the page one later is comments 1-3, as read back from the middle page
    assert pks(comment_thread_page(post=post, viewer=user, limit=3, before=later_before).comments) == pks(middle)


def test_pages_follow_creation_time_not_ids(user):
    post = PostFactory()
    now = timezone.now()
    newer = CommentFactory(post=post, created_at=now)
    backdated = CommentFactory(post=post, created_at=now - timedelta(hours=1))  # a higher id, yet older (imports)
    oldest = CommentFactory(post=post, created_at=now - timedelta(hours=2))
    assert comment_thread_page(post=post, viewer=user, limit=1).comments == [newer]
    assert comment_thread_page(post=post, viewer=user, limit=1, before=newer.pk) == ([backdated], True, None)
    assert comment_thread_page(post=post, viewer=user, limit=1, before=backdated.pk) == ([oldest], False, newer.pk)


def test_a_page_whose_anchor_was_deleted_goes_on_from_its_id(user, add_top_level_comments):
    post = PostFactory()
    comments = add_top_level_comments(post, 4)
    anchor = comments[2].pk
    comments[2].delete()
    page, has_earlier, later_before = comment_thread_page(post=post, viewer=user, limit=1, before=anchor)
    assert pks(page) == [comments[1].pk] and has_earlier
    assert later_before is None  # one page later, from where the anchor was: comment 3, the latest page


def test_pages_carry_replies_and_totals_count_every_page(user, other_user, add_top_level_comments):
    post = PostFactory()
    comments = add_top_level_comments(post, 3)
    reply = CommentFactory(post=post, parent=comments[0], author=user)
    blocked = CommentFactory(post=post, parent=comments[0])
    BlockFactory(blocker=user, blocked=blocked.author)
    CommentFactory(post=post, deleted_at=timezone.now(), text="")  # a placeholder without replies is not shown
    page = comment_thread_page(post=post, viewer=user, limit=1, before=comments[1].pk).comments
    assert page == [comments[0]] and page[0].visible_replies == [reply]
    assert comment_thread_total(post=post, viewer=user) == 4
    assert comment_thread_total(post=post, viewer=other_user) == 5
    assert comment_thread_total(post=PostFactory(), viewer=user) == 0


def test_page_of_a_comment_ends_with_its_top_level_comment(user, add_top_level_comments):
    post = PostFactory()
    comments = add_top_level_comments(post, 5)
    reply = CommentFactory(post=post, parent=comments[1])
    assert comment_page_before(comment=comments[4], viewer=user, limit=2) is None
    assert comment_page_before(comment=comments[3], viewer=user, limit=2) is None
    assert comment_page_before(comment=comments[2], viewer=user, limit=2) == comments[3].pk
    assert comment_page_before(comment=reply, viewer=user, limit=2) == comments[2].pk
    page = comment_thread_page(post=post, viewer=user, limit=2, before=comments[2].pk).comments
    assert pks(page) == pks(comments[:2])
