from urllib.parse import quote

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from comments.models import Comment, CommentLike
from communities.models import Membership
from notifications.models import Notification
from posts.models import Repost
from tests.factories import (
    BlockFactory,
    CommentFactory,
    CommunityFactory,
    MembershipFactory,
    PostFactory,
    RepostFactory,
)

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def section_url(post):
    return reverse("comments:post_comments", args=[post.pk])


def post_page(post):
    return reverse("posts:detail", args=[post.pk])


def test_comment_without_javascript_redirects_back(auth_client, user, django_capture_on_commit_callbacks):
    post = PostFactory()
    with django_capture_on_commit_callbacks(execute=True):
        response = auth_client.post(
            reverse("comments:create", args=[post.pk]), {"text": "Hello there", "next": "/somewhere/?page=2"}
        )
    comment = Comment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/somewhere/?page=2#comment-{comment.pk}"
    assert (comment.author, comment.post, comment.text) == (user, post, "Hello there")
    assert Notification.objects.filter(recipient=post.author, verb="comment").exists()


def test_foreign_next_is_ignored(auth_client):
    post = PostFactory()
    response = auth_client.post(reverse("comments:create", args=[post.pk]), {"text": "hi", "next": "https://evil.example/"})
    assert response["Location"].startswith(post_page(post))


def test_htmx_comment_returns_the_updated_section(auth_client):
    post = PostFactory()
    response = auth_client.post(reverse("comments:create", args=[post.pk]), {"text": "Via htmx"}, **HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith(f'<section id="comments-{post.pk}"')
    assert "Via htmx" in body and "<html" not in body


def test_reply_form_posts_a_reply(auth_client, user):
    parent = CommentFactory()
    response = auth_client.post(
        reverse("comments:create", args=[parent.post_id]), {"text": "A reply", "parent": parent.pk}, **HTMX
    )
    assert response.status_code == 200
    assert Comment.objects.get(parent=parent).author == user


@pytest.mark.parametrize("text", ["", "x" * 2001])
def test_bad_comment_shows_errors_and_changes_nothing(auth_client, text):
    post = PostFactory()
    response = auth_client.post(reverse("comments:create", args=[post.pk]), {"text": text})
    assert response.status_code == 400
    assert 'class="errorlist' in response.content.decode()
    response = auth_client.post(reverse("comments:create", args=[post.pk]), {"text": text}, **HTMX)
    assert response.status_code == 200 and 'class="errorlist' in response.content.decode()
    assert not Comment.objects.exists()


def test_reply_to_a_reply_shows_the_error_under_that_comment(auth_client):
    parent = CommentFactory()
    reply = CommentFactory(post=parent.post, parent=parent)
    response = auth_client.post(
        reverse("comments:create", args=[parent.post_id]), {"text": "deeper", "parent": reply.pk}
    )
    assert response.status_code == 400
    assert "only reply to a top-level comment" in response.content.decode()
    assert Comment.objects.count() == 2


def test_section_without_htmx_is_the_post_page(auth_client):
    post = PostFactory()
    response = auth_client.get(section_url(post))
    assert response["Location"] == f"{post_page(post)}#comments-{post.pk}"


def test_post_page_shows_thread_deleted_placeholder_and_repost_button(auth_client, user):
    post = PostFactory()
    deleted = CommentFactory(post=post, deleted_at=timezone.now(), text="")
    CommentFactory(post=post, parent=deleted, text="still here")
    CommentFactory(post=post, text="top level")
    body = auth_client.get(post_page(post)).content.decode()
    assert "Comment deleted." in body and "still here" in body and "top level" in body
    assert "Comments (3)" in body
    assert reverse("comments:repost", args=[post.pk]) in body


def test_section_queries_do_not_grow_with_comments(auth_client, add_commented_comments, django_assert_max_num_queries):
    post = PostFactory()
    add_commented_comments(post, 2)
    with django_assert_max_num_queries(20) as small:
        assert auth_client.get(section_url(post), **HTMX).content.decode().count('class="comment"') == 4
    add_commented_comments(post, 40)
    with django_assert_max_num_queries(len(small.captured_queries)):
        # One page: the newest 20 top-level comments, each with its reply.
        assert auth_client.get(section_url(post), **HTMX).content.decode().count('class="comment"') == 40
    earlier = f"{post_page(post)}?before={Comment.objects.filter(parent=None).order_by('-id')[19].pk}"
    # + where the earlier page ends, and where the page one later does
    with django_assert_max_num_queries(len(small.captured_queries) + 2):
        body = auth_client.get(section_url(post), {"next": earlier}, **HTMX).content.decode()
        assert body.count('class="comment"') == 40


def test_post_page_shows_the_latest_comments_and_earlier_ones_page_by_page(auth_client, add_top_level_comments):
    post = PostFactory()
    comments = add_top_level_comments(post, 45)
    body = auth_client.get(post_page(post)).content.decode()
    assert "Comments (45)" in body and body.count('class="comment"') == 20
    assert "comment 25<" in body and "comment 44<" in body and "comment 24<" not in body
    earlier = f"{post_page(post)}?before={comments[25].pk}"
    assert f'href="{earlier}#comments-{post.pk}"' in body
    assert 'name="text"' in body and "Latest comments" not in body

    body = auth_client.get(earlier).content.decode()
    assert body.count('class="comment"') == 20 and "comment 5<" in body and "comment 24<" in body
    assert f'href="{post_page(post)}?before={comments[5].pk}#comments-{post.pk}"' in body
    # Earlier pages link back to the latest comments where the new-comment form is; replies stay possible.
    assert f'id="latest-comments-{post.pk}" href="{post_page(post)}#comments-{post.pk}"' in body
    assert 'id="comment-text-new"' not in body and f'id="comment-text-{comments[5].pk}"' in body

    body = auth_client.get(f"{post_page(post)}?before={comments[5].pk}").content.decode()
    assert body.count('class="comment"') == 5 and "comment 0<" in body and "Earlier comments" not in body


def comment_count_oob(post, count: int) -> str:
    noun = "comment" if count == 1 else "comments"
    return f'id="comment-count-{post.pk}" hx-swap-oob="true">{count} {noun}</a>'


def test_htmx_writes_redraw_the_post_cards_comment_count(auth_client, user):
    post = PostFactory()
    CommentFactory(post=post)
    body = auth_client.post(reverse("comments:create", args=[post.pk]), {"text": "Second"}, **HTMX).content.decode()
    # After the section, so that htmx swaps it out of band into the post card above the thread.
    assert body.rstrip().endswith(comment_count_oob(post, 2)) and "Comments (2)" in body
    mine = Comment.objects.get(text="Second")
    body = auth_client.post(reverse("comments:delete", args=[mine.pk]), **HTMX).content.decode()
    assert comment_count_oob(post, 1) in body and "Comments (1)" in body
    # The page itself has the card's count with the id the swap targets, and no out-of-band copy.
    page = auth_client.get(post_page(post)).content.decode()
    assert f'id="comment-count-{post.pk}">1 comment</a>' in page and "hx-swap-oob" not in page
    # Reading a page of the thread changes no count: nothing out of band.
    assert "hx-swap-oob" not in auth_client.get(section_url(post), **HTMX).content.decode()


def test_a_write_answer_reads_the_count_in_constant_queries(
    auth_client, add_commented_comments, django_assert_max_num_queries
):
    post = PostFactory()
    add_commented_comments(post, 2)
    create = reverse("comments:create", args=[post.pk])
    with django_assert_max_num_queries(40) as small:
        assert comment_count_oob(post, 5) in auth_client.post(create, {"text": "one"}, **HTMX).content.decode()
    add_commented_comments(post, 40)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert comment_count_oob(post, 86) in auth_client.post(create, {"text": "two"}, **HTMX).content.decode()


def test_earlier_comments_under_htmx_swap_the_section_and_writes_keep_the_page(auth_client, add_top_level_comments):
    post = PostFactory()
    comments = add_top_level_comments(post, 25)
    latest = auth_client.get(section_url(post), **HTMX).content.decode()
    earlier = f"{post_page(post)}?before={comments[5].pk}"
    assert f'hx-get="{section_url(post)}?next={quote(earlier)}"' in latest
    assert f'hx-push-url="{earlier}"' in latest

    body = auth_client.get(section_url(post), {"next": earlier}, **HTMX).content.decode()
    assert body.lstrip().startswith(f'<section id="comments-{post.pk}"') and "<html" not in body
    assert body.count('class="comment"') == 5 and f'name="next" value="{earlier}"' in body
    # Liking a comment of that page answers with the same page, not the latest one.
    body = auth_client.post(reverse("comments:like", args=[comments[0].pk]), {"next": earlier}, **HTMX).content.decode()
    assert body.count('class="comment"') == 5 and "comment 0<" in body and "1 like" in body


@pytest.mark.parametrize("before", ["x", "", "-3", "²"])
def test_a_bad_before_is_a_400_page_as_in_messages(auth_client, before):
    post = PostFactory()
    CommentFactory(post=post)
    response = auth_client.get(post_page(post), {"before": before})
    assert response.status_code == 400
    body = response.content.decode()
    assert "before must be a comment id" in body and 'class="comment"' not in body and "<nav" in body
    # The section's own address (htmx) says the same of a `next` with such a page.
    response = auth_client.get(section_url(post), {"next": f"{post_page(post)}?before={quote(before)}"}, **HTMX)
    assert response.status_code == 400


def test_earlier_pages_step_one_page_later_and_to_the_latest(auth_client, add_top_level_comments):
    post = PostFactory()
    comments = add_top_level_comments(post, 65)  # the latest page: 45-64; earlier: 25-44, 5-24, 0-4

    def page(before):
        return auth_client.get(f"{post_page(post)}?before={before}").content.decode()

    def link(link_id, before=None):
        url = post_page(post) if before is None else f"{post_page(post)}?before={before}"
        return f'id="{link_id}-{post.pk}" href="{url}#comments-{post.pk}"'

    latest = auth_client.get(post_page(post)).content.decode()
    assert "Later comments" not in latest and "Latest comments" not in latest

    second = page(comments[45].pk)
    assert "comment 25<" in second and "comment 44<" in second and second.count('class="comment"') == 20
    # One page later is the latest page here: one link, not two to the same place.
    assert link("latest-comments") in second and "Later comments" not in second

    oldest = page(comments[5].pk)
    assert oldest.count('class="comment"') == 5 and "Earlier comments" not in oldest
    assert link("later-comments", comments[25].pk) in oldest and link("latest-comments") in oldest

    third = page(comments[25].pk)
    assert "comment 5<" in third and "comment 24<" in third
    assert link("earlier-comments", comments[5].pk) in third
    assert link("later-comments", comments[45].pk) in third and link("latest-comments") in third


def test_later_counts_pages_from_a_deleted_anchor_by_its_id(auth_client, add_top_level_comments):
    post = PostFactory()
    comments = add_top_level_comments(post, 45)
    anchor = comments[5].pk
    comments[5].delete()
    body = auth_client.get(f"{post_page(post)}?before={anchor}").content.decode()
    assert body.count('class="comment"') == 5 and "comment 4<" in body
    # One page later: the 20 comments from where the anchor was, 6-25, so the page ends before comment 26.
    assert f'id="later-comments-{post.pk}" href="{post_page(post)}?before={comments[26].pk}#comments-{post.pk}"' in body


def test_a_new_comment_shows_at_once_under_many(auth_client, add_top_level_comments):
    post = PostFactory()
    add_top_level_comments(post, 30)
    response = auth_client.post(reverse("comments:create", args=[post.pk]), {"text": "Newest words"}, **HTMX)
    body = response.content.decode()
    assert "Newest words" in body and "Comments (31)" in body and body.count('class="comment"') == 20
    response = auth_client.post(reverse("comments:create", args=[post.pk]), {"text": "Without htmx"}, follow=True)
    assert "Without htmx" in response.content.decode()


def test_section_include_renders_inside_a_post_page(rf: RequestFactory, user):
    post = PostFactory()
    CommentFactory(post=post, text="included comment")
    request = rf.get("/posts/1/")
    request.user = user
    html = Template('{% include "comments/section.html" with post=post %}').render(
        Context({"post": post, "request": request, "user": user})
    )
    assert f'id="comments-{post.pk}"' in html and "included comment" in html
    assert 'name="next" value="/posts/1/"' in html


def test_edit_own_comment(auth_client, user, other_user):
    comment = CommentFactory(author=user, text="old")
    url = reverse("comments:edit", args=[comment.pk])
    assert auth_client.get(url).status_code == 200
    assert auth_client.get(url, **HTMX)["HX-Retarget"] == f"#comment-{comment.pk}"
    response = auth_client.post(url, {"text": "new"})
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.text == "new"
    assert auth_client.post(url, {"text": ""}).status_code == 400

    theirs = CommentFactory(author=other_user, text="theirs")
    assert auth_client.get(reverse("comments:edit", args=[theirs.pk])).status_code == 403
    assert auth_client.post(reverse("comments:edit", args=[theirs.pk]), {"text": "mine"}).status_code == 403
    theirs.refresh_from_db()
    assert theirs.text == "theirs"


def test_delete_own_comment_only(auth_client, user, other_user):
    theirs = CommentFactory(author=other_user)
    assert auth_client.post(reverse("comments:delete", args=[theirs.pk])).status_code == 403
    own = CommentFactory(author=user)
    assert auth_client.post(reverse("comments:delete", args=[own.pk]), **HTMX).status_code == 200
    assert list(Comment.objects.all()) == [theirs]


def test_like_and_unlike(auth_client, user):
    comment = CommentFactory()
    auth_client.post(reverse("comments:like", args=[comment.pk]))
    body = auth_client.post(reverse("comments:like", args=[comment.pk]), **HTMX).content.decode()
    assert CommentLike.objects.filter(user=user, comment=comment).count() == 1
    assert "1 like" in body and "Unlike" in body
    auth_client.post(reverse("comments:unlike", args=[comment.pk]))
    assert not CommentLike.objects.exists()


def test_moderator_sees_and_uses_remove(auth_client, user):
    community = CommunityFactory()
    MembershipFactory(community=community, user=user, role=Membership.Role.MODERATOR)
    comment = CommentFactory(post=PostFactory(community=community))
    assert "Remove</button>" in auth_client.get(post_page(comment.post)).content.decode()
    assert auth_client.post(reverse("comments:remove", args=[comment.pk])).status_code == 302
    assert not Comment.objects.exists()


def test_member_cannot_remove(auth_client, user):
    community = CommunityFactory()
    MembershipFactory(community=community, user=user)
    comment = CommentFactory(post=PostFactory(community=community))
    assert "Remove</button>" not in auth_client.get(post_page(comment.post)).content.decode()
    assert auth_client.post(reverse("comments:remove", args=[comment.pk])).status_code == 403
    assert Comment.objects.exists()


def test_outsiders_see_no_form_and_cannot_post_to_community(auth_client):
    post = PostFactory(community=CommunityFactory(name="Chess club"))
    body = auth_client.get(post_page(post)).content.decode()
    assert "Only members of Chess club can comment." in body and 'name="text"' not in body
    assert auth_client.post(reverse("comments:create", args=[post.pk]), {"text": "hi"}).status_code == 403
    assert not Comment.objects.exists()


def test_hidden_posts_are_404(auth_client, user):
    blocked = CommentFactory()
    BlockFactory(blocker=user, blocked=blocked.post.author)
    removed = CommentFactory(post=PostFactory(removed_at=timezone.now()))
    for comment in (blocked, removed):
        assert auth_client.get(section_url(comment.post)).status_code == 404
        assert auth_client.get(reverse("comments:detail", args=[comment.pk])).status_code == 404
        assert auth_client.post(reverse("comments:create", args=[comment.post_id]), {"text": "x"}).status_code == 404


def test_anonymous_sees_comments_and_a_login_link(client):
    comment = CommentFactory(text="public words")
    body = client.get(post_page(comment.post)).content.decode()
    assert "public words" in body and "to comment." in body
    response = client.post(reverse("comments:create", args=[comment.post_id]), {"text": "hi"})
    assert response.status_code == 302 and Comment.objects.count() == 1


def test_detail_links_to_the_comment_in_place(client, add_top_level_comments):
    comment = CommentFactory()
    response = client.get(reverse("comments:detail", args=[comment.pk]))
    assert response["Location"] == f"{post_page(comment.post)}#comment-{comment.pk}"
    # Past the first page, the link opens the page that has the comment.
    comments = add_top_level_comments(comment.post, 30)
    reply = CommentFactory(post=comment.post, parent=comments[3])
    response = client.get(reverse("comments:detail", args=[reply.pk]))
    assert response["Location"] == f"{post_page(comment.post)}?before={comments[4].pk}#comment-{reply.pk}"
    assert f'id="comment-{reply.pk}"' in client.get(response["Location"]).content.decode()


def test_repost_page_and_undo(auth_client, user):
    post = PostFactory()
    url = reverse("comments:repost", args=[post.pk])
    assert 'name="note"' in auth_client.get(url).content.decode()
    in_place = auth_client.get(f"{url}?next=/posts/{post.pk}/", **HTMX).content.decode()
    assert 'name="note"' in in_place and f'<a href="/posts/{post.pk}/">Cancel</a>' in in_place  # a way to close it
    response = auth_client.post(url, {"note": "good read", "next": "/feed/"})
    assert response.status_code == 302 and response["Location"] == "/feed/"
    assert Repost.objects.get(user=user, post=post).note == "good read"

    response = auth_client.post(url, {"note": "twice"})
    assert response.status_code == 409 and "already reposted" in response.content.decode()
    assert Repost.objects.count() == 1

    body = auth_client.post(reverse("comments:unrepost", args=[post.pk]), **HTMX).content.decode()
    assert "Repost</a>" in body
    assert not Repost.objects.exists()


def test_post_cards_show_my_reposts_as_reposted_with_undo(auth_client, user):
    reposted, other = PostFactory(), PostFactory()
    RepostFactory(user=user, post=reposted)
    unrepost_url = reverse("comments:unrepost", args=[reposted.pk])
    pages = [reverse("posts:detail", args=[reposted.pk]), reverse("accounts:profile", args=[reposted.author.username])]
    for page in pages:
        card = auth_client.get(page).content.decode().split(f'id="post-{reposted.pk}"')[1].split("</article>")[0]
        assert "Reposted" in card and f'action="{unrepost_url}"' in card and "Repost</a>" not in card
    card = auth_client.get(reverse("posts:detail", args=[other.pk])).content.decode()
    assert "Repost</a>" in card and "Reposted" not in card


def test_repost_refusals_show_errors(auth_client, user):
    response = auth_client.post(reverse("comments:repost", args=[PostFactory(author=user).pk]), {"note": ""})
    assert response.status_code == 400 and "own post" in response.content.decode()
    response = auth_client.post(reverse("comments:repost", args=[PostFactory().pk]), {"note": "x" * 501})
    assert response.status_code == 400
    assert not Repost.objects.exists()


def test_repost_button_hidden_on_own_posts(rf, user):
    template = Template('{% include "comments/repost_button.html" with post=post %}')
    request = rf.get("/")
    request.user = user
    own = template.render(Context({"post": PostFactory(author=user), "user": user, "request": request}))
    other = template.render(Context({"post": PostFactory(), "user": user, "request": request}))
    assert "Repost" not in own and "Repost</a>" in other


def test_profile_shows_reposts_with_notes(auth_client, user, other_user, django_assert_max_num_queries):
    reposted = RepostFactory(user=other_user, note="a gem", post=PostFactory(text="Original words"))
    url = reverse("accounts:profile", args=[other_user.username])
    with django_assert_max_num_queries(40) as small:
        body = auth_client.get(url).content.decode()
    assert "Reposts" in body and "a gem" in body and "Original words" in body
    assert f'id="post-{reposted.post_id}"' in body
    RepostFactory.create_batch(4, user=other_user, post__author=user)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert auth_client.get(url).content.decode().count("reposted ·") == 5
