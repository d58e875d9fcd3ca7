"""Profile pictures: the stored thumbnail (services.avatar_set / avatar_remove), the page's form and the API."""

import io
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from PIL import Image, ImageCms

from accounts import avatars
from accounts.avatars import initials_of
from accounts.models import Profile, User
from accounts.services import avatar_remove, avatar_set, user_delete
from analytics.models import Activity
from tests.factories import FollowFactory, UserFactory, picture_bytes, picture_upload

pytestmark = pytest.mark.django_db


def stored_files(media_root) -> list[str]:
    return sorted(str(path.relative_to(media_root)) for path in media_root.rglob("*") if path.is_file())


def avatar_name(user) -> str:
    return Profile.objects.get(user=user).avatar.name


def opened(media_root, name: str) -> Image.Image:
    image = Image.open(media_root / name)
    image.load()
    return image


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims `width`×`height` pixels (a decompression bomb's shape)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\0" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def two_halves_jpeg_turned_by_exif() -> bytes:
    """400×200, left half red and right half blue, with EXIF orientation 6 (shown turned 90° clockwise: red on top)
    and a camera maker to be stripped."""
    image = Image.new("RGB", (400, 200), (220, 0, 0))
    image.paste((0, 0, 220), (200, 0, 400, 200))
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation
    exif[0x010F] = "SpyCam"  # Make
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif.tobytes(), quality=95)
    return buffer.getvalue()


# The service


@pytest.mark.parametrize(("image_format", "name"), [("PNG", "a.png"), ("JPEG", "a.jpg"), ("WEBP", "a.webp")])
def test_a_picture_is_stored_as_a_256_square_webp_thumbnail(media_root, user, image_format, name):
    profile = avatar_set(user=user, upload=picture_upload(name, size=(640, 480), image_format=image_format))

    assert profile.avatar.name.startswith(f"avatars/{user.pk}/") and profile.avatar.name.endswith(".webp")
    assert avatar_name(user) == profile.avatar.name
    assert stored_files(media_root) == [profile.avatar.name]  # the thumbnail only, never the upload as sent
    stored = opened(media_root, profile.avatar.name)
    assert (stored.format, stored.size, stored.mode) == ("WEBP", (256, 256), "RGB")
    assert Activity.objects.filter(actor=user, verb="avatar_set").count() == 1


def test_the_thumbnail_is_turned_upright_cropped_to_the_middle_and_stripped_of_metadata(media_root, user):
    profile = avatar_set(user=user, upload=picture_upload("phone.jpg", content=two_halves_jpeg_turned_by_exif()))

    stored = opened(media_root, profile.avatar.name)
    red, green, blue = stored.getpixel((128, 20))
    assert red > 150 and blue < 80  # the left half, turned to the top (unturned, the middle square's top is split)
    red, green, blue = stored.getpixel((128, 235))
    assert blue > 150 and red < 80
    assert not stored.getexif() and "exif" not in stored.info and "icc_profile" not in stored.info
    assert b"SpyCam" not in (media_root / profile.avatar.name).read_bytes()


def test_transparency_and_a_colour_profile(media_root, user):
    image = Image.new("RGBA", (100, 100), (0, 128, 0, 0))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", icc_profile=ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())

    profile = avatar_set(user=user, upload=picture_upload("clear.png", content=buffer.getvalue()))

    stored = opened(media_root, profile.avatar.name)
    assert stored.mode == "RGBA" and stored.getpixel((5, 5))[3] == 0
    assert "icc_profile" not in stored.info


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"%PDF-1.4 not a picture at all", "not one, or it is damaged"),
        (picture_bytes(image_format="GIF"), "Upload a JPEG, PNG or WebP picture"),
        (picture_bytes(image_format="BMP"), "Upload a JPEG, PNG or WebP picture"),
        (picture_bytes(size=(400, 400), image_format="PNG")[:300], "damaged"),  # truncated
        (picture_bytes(size=(40, 400)), "too small (40×400 pixels); at least 64×64"),
        (png_claiming(8000, 8000), "too many pixels: at most 50 megapixels"),  # refused before decoding
        (png_claiming(20000, 20000), "too many pixels"),  # Pillow's own bomb check
        (b"", "not one, or it is damaged"),
    ],
    ids=["pdf", "gif", "bmp", "truncated", "too-small", "too-many-pixels", "bomb", "empty"],
)
def test_bad_files_are_refused_and_change_nothing(media_root, user, content, message):
    avatar_set(user=user, upload=picture_upload("old.png"))
    before = (avatar_name(user), stored_files(media_root), Activity.objects.count())

    with pytest.raises(ValidationError) as error:
        avatar_set(user=user, upload=picture_upload("new.png", content=content))

    assert list(error.value.message_dict) == ["avatar"]
    assert message in error.value.message_dict["avatar"][0]
    assert (avatar_name(user), stored_files(media_root), Activity.objects.count()) == before


def test_a_file_over_the_size_limit_is_refused_before_it_is_opened(media_root, user, settings):
    settings.AVATAR_MAX_UPLOAD_MB = 1
    big = picture_bytes(size=(700, 700), image_format="BMP")  # uncompressed, and not even an accepted format
    assert len(big) > 1024 * 1024

    with pytest.raises(ValidationError) as error:
        avatar_set(user=user, upload=picture_upload("big.bmp", content=big))

    assert error.value.message_dict == {"avatar": ["The picture is larger than 1 MB."]}
    assert avatar_name(user) == "" and stored_files(media_root) == []


def test_replacing_deletes_the_old_file_once_committed(media_root, user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = avatar_set(user=user, upload=picture_upload()).avatar.name
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        second = avatar_set(user=user, upload=picture_upload(colour=(0, 0, 200))).avatar.name
    assert first != second
    assert stored_files(media_root) == sorted([first, second])  # not before the commit: a rollback keeps the row's

    for callback in callbacks:
        callback()

    assert stored_files(media_root) == [second] and avatar_name(user) == second


def test_a_failed_write_keeps_the_old_picture_and_leaves_no_new_file(media_root, user, monkeypatch):
    old = avatar_set(user=user, upload=picture_upload()).avatar.name

    def failing_record(**kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr("accounts.services.activity_record", failing_record)
    with pytest.raises(RuntimeError):
        avatar_set(user=user, upload=picture_upload(colour=(0, 200, 0)))

    assert avatar_name(user) == old and stored_files(media_root) == [old]


def test_removing_goes_back_to_initials_and_deletes_the_file(media_root, user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        avatar_set(user=user, upload=picture_upload())
        avatar_remove(user=user)
        avatar_remove(user=user)  # again: nothing to do

    assert avatar_name(user) == "" and stored_files(media_root) == []
    assert Activity.objects.filter(actor=user, verb="avatar_remove").count() == 1


def test_a_user_without_a_profile_gets_one_with_the_picture(media_root):
    bare = User.objects.create_user("bare", "bare@mail.example", "x")  # as createsuperuser: no profile
    avatar_set(user=bare, upload=picture_upload())
    assert avatar_name(bare).startswith(f"avatars/{bare.pk}/")


def test_deleting_the_account_deletes_its_picture(media_root, user, other_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        avatar_set(user=user, upload=picture_upload())
        kept = avatar_set(user=other_user, upload=picture_upload()).avatar.name
        user_delete(user=user)

    assert stored_files(media_root) == [kept]


# The fallback


@pytest.mark.parametrize(
    ("name", "initials"),
    [("Anna van Dijk", "AD"), ("demo", "D"), ("łukasz żak", "ŁŻ"), ("_x_ -- y!", "XY"), ("🙂", ""), ("", "")],
)
def test_initials(name, initials):
    assert initials_of(name) == initials


def test_a_face_is_the_picture_else_initials_on_a_colour_of_the_user_id(media_root):
    anna = UserFactory(profile__display_name="Anna Smith")
    emoji = UserFactory(username="zed", profile__display_name="🙂")
    assert avatars.face_of(anna) == avatars.Face(url="", initials="AS", colour=anna.pk % 12)
    assert avatars.face_of(emoji).initials == "Z"  # the username when the name has no letters

    avatar_set(user=anna, upload=picture_upload())
    anna = User.objects.select_related("profile").get(pk=anna.pk)
    assert avatars.face_of(anna).url == f"/media/{anna.profile.avatar.name}"


# The profile edit page


def test_the_edit_page_uploads_a_picture_shown_on_the_profile(media_root, auth_client, user):
    page = auth_client.get(reverse("accounts:profile_edit")).content.decode()
    assert 'enctype="multipart/form-data"' in page and 'class="avatar avatar-large avatar-colour-' in page
    assert "Remove the picture" not in page

    response = auth_client.post(reverse("accounts:avatar"), {"avatar": picture_upload()})

    assert response.status_code == 302 and response["Location"] == reverse("accounts:profile_edit")
    name = avatar_name(user)
    assert stored_files(media_root) == [name]
    profile_page = auth_client.get(reverse("accounts:profile", args=[user.username])).content.decode()
    assert f'<img class="avatar avatar-large" src="/media/{name}" alt=""' in profile_page
    assert "Remove the picture" in auth_client.get(reverse("accounts:profile_edit")).content.decode()


def test_the_edit_page_shows_why_a_file_is_refused(media_root, auth_client, user):
    response = auth_client.post(reverse("accounts:avatar"), {"avatar": picture_upload("x.png", content=b"nope")})

    assert response.status_code == 200
    assert "this file is not one, or it is damaged" in response.content.decode()
    assert response.context["avatar_form"].errors["avatar"]
    assert avatar_name(user) == "" and stored_files(media_root) == []
    assert auth_client.post(reverse("accounts:avatar"), {}).context["avatar_form"].errors["avatar"] == [
        "This field is required."
    ]


def test_the_edit_page_removes_the_picture(media_root, auth_client, user, django_capture_on_commit_callbacks):
    avatar_set(user=user, upload=picture_upload())
    with django_capture_on_commit_callbacks(execute=True):
        response = auth_client.post(reverse("accounts:avatar"), {"action": "remove"})
    assert response.status_code == 302
    assert avatar_name(user) == "" and stored_files(media_root) == []


# The API


def test_api_put_sets_my_picture_and_every_answer_names_its_absolute_address(media_root, auth_api_client, user):
    response = auth_api_client.put("/api/v1/me/avatar/", {"avatar": picture_upload()}, format="multipart")

    assert response.status_code == 200
    name = avatar_name(user)
    url = f"http://testserver/media/{name}"
    assert response.json() == {"avatar_url": url}
    assert auth_api_client.get("/api/v1/me/").json()["avatar_url"] == url
    assert auth_api_client.get(f"/api/v1/users/{user.username}/").json()["avatar_url"] == url
    FollowFactory(follower=user)
    following = auth_api_client.get(f"/api/v1/users/{user.username}/following/").json()["results"]
    assert following[0]["avatar_url"] is None  # someone without a picture
    people = auth_api_client.get(f"/api/v1/users/?q={user.username}").json()["results"]
    assert [person["avatar_url"] for person in people] == [url]


def test_api_put_refuses_bad_input_with_the_reason_under_avatar(media_root, auth_api_client, user):
    bad = auth_api_client.put("/api/v1/me/avatar/", {"avatar": picture_upload(size=(10, 10))}, format="multipart")
    missing = auth_api_client.put("/api/v1/me/avatar/", {}, format="multipart")
    json_body = auth_api_client.put("/api/v1/me/avatar/", {"avatar": "aGVsbG8="}, format="json")

    assert bad.status_code == 400 and bad.json() == {
        "avatar": ["The picture is too small (10×10 pixels); at least 64×64."]
    }
    assert missing.status_code == 400 and missing.json() == {"avatar": ["No file was submitted."]}
    assert json_body.status_code == 415
    assert avatar_name(user) == "" and stored_files(media_root) == []


def test_api_delete_removes_my_picture(media_root, auth_api_client, user, django_capture_on_commit_callbacks):
    auth_api_client.put("/api/v1/me/avatar/", {"avatar": picture_upload()}, format="multipart")
    with django_capture_on_commit_callbacks(execute=True):
        response = auth_api_client.delete("/api/v1/me/avatar/")

    assert response.status_code == 204
    assert auth_api_client.get("/api/v1/me/").json()["avatar_url"] is None
    assert stored_files(media_root) == []
