from datetime import date

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from posts.models import Like, Post, PostView, Topic

pytestmark = pytest.mark.django_db

USERS = ("user_id,gender,age,country,city,os,source,extra\n1,1,30,Russia,Moscow,Android,ads,x\n"
         "2,F,,Turkey,Izmir,iOS,organic,y\n3,other,45,,,,,\n")
POSTS = ("post_id,text,topic,author_id,created_at\n10,Rates go up,business,1,2021-10-01T10:00:00Z\n"
         "11,\"Goal, in the last minute\",sport,,\n12,New phone,gadgets,2,1633000000\n")
FEED = ("timestamp,user_id,post_id,action,target\n2021-10-02 10:00:00,1,10,view,0\n2021-10-02 10:00:05,1,10,like,0\n"
        "1633200000,2,11,like,0\n2021-12-31T23:00:00+00:00,3,12,view,0\n")


def write(tmp_path, users=USERS, posts=POSTS, feed=FEED):
    for name, text in (("users.csv", users), ("posts.csv", posts), ("feed.csv", feed)):
        (tmp_path / name).write_bytes(text if isinstance(text, bytes) else text.encode())
    return tmp_path


def counts():
    return (User.objects.filter(external_id__isnull=False).count(), Post.objects.count(), PostView.objects.count(),
            Like.objects.count())


def test_import_happy_path_and_idempotent_rerun(tmp_path, capsys):
    call_command("import_dataset", str(write(tmp_path)), verbosity=0)
    assert counts() == (3, 3, 2 + 1, 2)  # the like of user 2 had no view: one is added
    male = User.objects.get(external_id=1)
    assert male.username == "u1" and not male.has_usable_password()
    assert (male.profile.gender, male.profile.country, male.profile.os, male.profile.source) == (
        "male", "Russia", "Android", "ads")
    assert male.profile.birth_date == date(2021 - 30, 1, 1)  # age as of the feed's last year
    assert User.objects.get(external_id=2).profile.gender == "female"
    assert User.objects.get(external_id=2).profile.birth_date is None
    business = Post.objects.get(external_id=10)
    assert business.author == male and business.created_at.isoformat() == "2021-10-01T10:00:00+00:00"
    goal = Post.objects.get(external_id=11)
    assert goal.author.username == "importer" and goal.text == "Goal, in the last minute"
    assert goal.created_at.timestamp() == 1633200000  # no creation time: its first interaction
    assert Topic.objects.filter(name="gadgets").exists()
    implied = PostView.objects.get(post=goal)
    assert implied.source == "import" and implied.viewed_at.timestamp() == 1633200000
    like = Like.objects.get(post=business)
    assert like.created_at.isoformat() == "2021-10-02T10:00:05+00:00"
    assert "Imported 3 users, 3 posts, 3 views, 2 likes" in capsys.readouterr().out

    call_command("import_dataset", str(tmp_path), verbosity=0)
    assert counts() == (3, 3, 3, 2)
    assert "Imported 0 users, 0 posts, 0 views, 0 likes" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"feed": "timestamp,user_id,post_id\n1633000000,1,10\n"}, "feed.csv: line 1: missing required column(s)"),
        ({"feed": FEED + "yesterday,1,10,view,0\n"}, "feed.csv: line 6: unparsable timestamp"),
        ({"feed": FEED + "1633000000,1,10,share,0\n"}, "feed.csv: line 6: unknown action"),
        ({"feed": FEED + "1633000000,1,99,like,0\n"}, "feed.csv: line 6: like for an unknown post"),
        ({"feed": FEED + "1633000000,77,10,view,0\n"}, "feed.csv: line 6: unknown user"),
        ({"feed": FEED + "1633000000,1,1"}, "feed.csv: the last line has 3 of 5 fields: the file looks truncated"),
        ({"posts": POSTS + '13,"never closed,sport,1,\n'}, "posts.csv: malformed or truncated CSV"),
        ({"users": USERS.replace("Moscow", "Moskva").encode().replace(b"Moskva", b"Mosk\xe4")}, "users.csv: not UTF-8"),
        ({"posts": POSTS + "13," + "x" * 5001 + ",sport,1,\n"}, "posts.csv: line 5: field text longer than 5000"),
        ({"users": USERS + "1,male,20,,,,,\n"}, "users.csv: line 5: duplicate user_id"),
        ({"posts": POSTS + "13,Hi,sport,42,\n"}, "posts.csv: line 5: unknown author_id"),
    ],
)
def test_bad_input_is_refused_with_file_and_line_and_nothing_imported(tmp_path, files, message):
    directory = write(tmp_path, **files)
    with pytest.raises(CommandError) as error:
        call_command("import_dataset", str(directory), verbosity=0)
    assert message in str(error.value)
    assert counts() == (0, 0, 0, 0)


def test_skip_invalid_imports_the_valid_rows_and_counts_the_rest(tmp_path, capsys):
    feed = FEED + "yesterday,1,10,view,0\nnever,1,10,view,0\n1633000000,1,99,like,0\n1633000000,1,10,share,0\n"
    posts = POSTS + "14,,sport,1,\n"
    call_command("import_dataset", str(write(tmp_path, feed=feed, posts=posts)), "--skip-invalid", verbosity=0)
    assert counts() == (3, 3, 3, 2)
    out = capsys.readouterr().out
    assert "Skipped 5 invalid rows" in out
    assert "feed.csv: 2 x unparsable timestamp" in out
    assert "feed.csv: 1 x like for an unknown post" in out
    assert "feed.csv: 1 x unknown action" in out
    assert "posts.csv: 1 x missing text" in out
